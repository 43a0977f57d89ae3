{{/* Chart name. */}}
{{- define "astrotango.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Fully qualified release name. */}}
{{- define "astrotango.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Common labels. */}}
{{- define "astrotango.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "astrotango.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: astrotango
{{- end -}}

{{- define "astrotango.selectorLabels" -}}
app.kubernetes.io/name: {{ include "astrotango.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* A Kubernetes-safe name part from a Tango server or instance name. */}}
{{- define "astrotango.dnsPart" -}}
{{- . | toString | lower | replace "_" "-" | replace "." "-" | replace "/" "-" -}}
{{- end -}}

{{/* Name prefix of one device server's objects; args: dict "root" $ "server" "<Server>". */}}
{{- define "astrotango.serverBase" -}}
{{- printf "%s-%s" (include "astrotango.fullname" .root) (include "astrotango.dnsPart" .server) -}}
{{- end -}}

{{- define "astrotango.databasedsName" -}}
{{- printf "%s-databaseds" (include "astrotango.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "astrotango.mariadbName" -}}
{{- printf "%s-mariadb" (include "astrotango.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "astrotango.mariadbSecretName" -}}
{{- .Values.mariadb.existingSecret | default (include "astrotango.mariadbName" .) -}}
{{- end -}}

{{/* TANGO_HOST of the astrotango pods. */}}
{{- define "astrotango.tangoHost" -}}
{{- if .Values.tangoHost -}}
{{- .Values.tangoHost -}}
{{- else if .Values.databaseds.enabled -}}
{{- printf "%s:%d" (include "astrotango.databasedsName" .) (int .Values.databaseds.port) -}}
{{- else -}}
{{- fail "tangoHost must be set when databaseds.enabled is false" -}}
{{- end -}}
{{- end -}}

{{- define "astrotango.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion | toString) -}}
{{- end -}}

{{/*
The project's device configuration: every config/*.json (a copy of tango-db/, see
tools/sync-chart-config.sh) merged into one dsconfig document {"servers": ..., "classes": ...},
returned as JSON.
*/}}
{{- define "astrotango.dsconfig" -}}
{{- $servers := dict -}}
{{- $classes := dict -}}
{{- range $path, $_ := .Files.Glob "config/*.json" -}}
{{- $doc := $.Files.Get $path | mustFromJson -}}
{{- range $server, $instances := (get $doc "servers" | default dict) -}}
{{- $acc := get $servers $server | default dict -}}
{{- range $instance, $config := $instances -}}
{{- $_ := set $acc $instance $config -}}
{{- end -}}
{{- $_ := set $servers $server $acc -}}
{{- end -}}
{{- range $class, $config := (get $doc "classes" | default dict) -}}
{{- $_ := set $classes $class $config -}}
{{- end -}}
{{- end -}}
{{- dict "servers" $servers "classes" $classes | toJson -}}
{{- end -}}

{{/*
The dsconfig document of one server, as JSON: its deployed instances (tango-db/ merged with
extraConfig) and the class properties of the classes it serves.
args: dict "root" $ "server" "<Server>" "spec" <values of the server>.
*/}}
{{- define "astrotango.serverConfig" -}}
{{- $all := include "astrotango.dsconfig" .root | mustFromJson -}}
{{- $fromDb := get $all.servers .server | default dict -}}
{{- $merged := mustMergeOverwrite (deepCopy $fromDb) (deepCopy (.spec.extraConfig | default dict)) -}}
{{- $instances := dict -}}
{{- $classes := dict -}}
{{- if not .spec.instances -}}
{{- fail (printf "deviceServers.%s.instances is empty" .server) -}}
{{- end -}}
{{- range $instance := .spec.instances -}}
{{- $config := get $merged (toString $instance) -}}
{{- if not $config -}}
{{- fail (printf "deviceServers.%s: instance %q is declared neither in tango-db/ (chart config/) nor in deviceServers.%s.extraConfig" $.server (toString $instance) $.server) -}}
{{- end -}}
{{- $_ := set $instances (toString $instance) $config -}}
{{- range $class, $_ := $config -}}
{{- if hasKey $all.classes $class -}}
{{- $_ := set $classes $class (get $all.classes $class) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- $doc := dict "servers" (dict .server $instances) -}}
{{- if $classes -}}
{{- $_ := set $doc "classes" $classes -}}
{{- end -}}
{{- $doc | toPrettyJson -}}
{{- end -}}

{{/* ASTROTANGO_STORE_URL env entry (nothing when no store URL is configured). */}}
{{- define "astrotango.storeEnv" -}}
{{- if or .Values.store.existingSecret .Values.store.url }}
- name: ASTROTANGO_STORE_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.store.existingSecret | default (printf "%s-store" (include "astrotango.fullname" .)) }}
      key: {{ if .Values.store.existingSecret }}{{ .Values.store.existingSecretKey }}{{ else }}url{{ end }}
{{- end }}
{{- end -}}

{{/* Python run by init containers: wait until the Tango database answers. */}}
{{- define "astrotango.waitForDatabaseScript" -}}
import os
import time
import tango
while True:
    try:
        tango.Database()
        break
    except Exception:
        print("waiting for the Tango database at", os.environ.get("TANGO_HOST"), flush=True)
        time.sleep(3)
{{- end -}}

{{/* Python run by init containers: wait until server sys.argv[1] (Name/instance) is registered. */}}
{{- define "astrotango.waitForServerScript" -}}
import sys
import time
import tango
key = sys.argv[1]
while True:
    try:
        if key.lower() in [s.lower() for s in tango.Database().get_server_list(key).value_string]:
            break
    except Exception:
        pass
    print("waiting for", key, "to be registered in the Tango database", flush=True)
    time.sleep(3)
{{- end -}}
