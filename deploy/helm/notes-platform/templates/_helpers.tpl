{{/*
Names, labels and the per-service facts the templates share.
*/}}

{{- define "notes.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "notes.fullname" -}}
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

{{- define "notes.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels of every object; "component" names the part (a service key, kafka, postgres, ...). */}}
{{- define "notes.labels" -}}
helm.sh/chart: {{ include "notes.chart" .root }}
{{ include "notes.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: notes-platform
{{- end -}}

{{- define "notes.selectorLabels" -}}
app.kubernetes.io/name: {{ include "notes.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/*
What each service is; not configurable (it is how the code is written): the program's name, the
prefix of its environment variables, its ports, its database.
*/}}
{{- define "notes.profiles" -}}
auth:
  program: auth-service
  prefix: AUTH
  grpcPort: 50051
  opsPort: 8081
  database: notes_auth
  kafka: true
  secretKeys: [AUTH_DB_DSN, JWT_PRIVATE_KEY]
notes:
  program: notes-service
  prefix: NOTES
  grpcPort: 50052
  opsPort: 8082
  database: notes_notes
  kafka: true
  secretKeys: [NOTES_DB_DSN]
saga:
  program: saga-orchestrator
  prefix: SAGA
  grpcPort: 50053
  opsPort: 8083
  database: notes_saga
  kafka: true
  secretKeys: [SAGA_DB_DSN]
bff:
  program: bff-rest
  prefix: BFF
  httpPort: 8080
  # notes.events wakes its change streams (GET /v1/notes/changes/stream).
  kafka: true
  secretKeys: [JWT_PUBLIC_KEY]
{{- end -}}

{{- define "notes.serviceKeys" -}}
["auth", "notes", "saga", "bff"]
{{- end -}}

{{- define "notes.profile" -}}
{{- index (include "notes.profiles" .root | fromYaml) .key | toYaml -}}
{{- end -}}

{{/* The name of a service's objects: <fullname>-<program>, e.g. notes-auth-service. */}}
{{- define "notes.serviceName" -}}
{{- $profile := include "notes.profile" . | fromYaml -}}
{{- printf "%s-%s" (include "notes.fullname" .root | trunc 40 | trimSuffix "-") $profile.program -}}
{{- end -}}

{{- define "notes.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "notes.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "notes.image" -}}
{{- $profile := include "notes.profile" . | fromYaml -}}
{{- $svc := index .root.Values.services .key -}}
{{- $repository := $svc.image.repository | default (printf "%s/%s" .root.Values.image.registry $profile.program) -}}
{{- $tag := $svc.image.tag | default .root.Values.image.tag | default .root.Chart.AppVersion -}}
{{- if $svc.image.digest -}}
{{- printf "%s@%s" $repository $svc.image.digest -}}
{{- else -}}
{{- printf "%s:%s" $repository $tag -}}
{{- end -}}
{{- end -}}

{{- define "notes.kafkaBrokers" -}}
{{- if .Values.kafka.inCluster.enabled -}}
{{- printf "%s-kafka:9092" (include "notes.fullname" .) -}}
{{- else -}}
{{- required "kafka.brokers is required (the bootstrap servers of your cluster) unless kafka.inCluster.enabled" .Values.kafka.brokers -}}
{{- end -}}
{{- end -}}

{{- define "notes.grpcUrl" -}}
{{- $profile := include "notes.profile" . | fromYaml -}}
{{- printf "%s://%s:%v" (ternary "https" "http" .root.Values.grpcTls.enabled) (include "notes.serviceName" .) $profile.grpcPort -}}
{{- end -}}

{{/*
The settings of a service that are not secret, as environment variables (the names its
src/config.ts reads): the ConfigMap's data, and the env of the migration Job.
*/}}
{{- define "notes.configEnv" -}}
{{- $root := .root -}}
{{- $key := .key -}}
{{- $profile := include "notes.profile" . | fromYaml -}}
{{- $svc := index $root.Values.services $key -}}
{{- $env := dict "LOG_LEVEL" ($svc.logLevel | default $root.Values.logLevel) -}}
{{- with $root.Values.tracing -}}
{{- if .otlpEndpoint -}}
{{- $_ := set $env "OTEL_EXPORTER_OTLP_ENDPOINT" .otlpEndpoint -}}
{{- $_ := set $env "OTEL_EXPORTER_OTLP_PROTOCOL" .protocol -}}
{{- $_ := set $env "OTEL_TRACES_SAMPLER" .sampler -}}
{{- if .samplerArg -}}
{{- $_ := set $env "OTEL_TRACES_SAMPLER_ARG" (toString .samplerArg) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if $profile.grpcPort -}}
{{- $_ := set $env (printf "%s_GRPC_HOST" $profile.prefix) "0.0.0.0" -}}
{{- $_ := set $env (printf "%s_GRPC_PORT" $profile.prefix) (toString $profile.grpcPort) -}}
{{- end -}}
{{- if $profile.database -}}
{{- $_ := set $env (printf "%s_DB_MAX_CONNECTIONS" $profile.prefix) (toString $svc.database.maxConnections) -}}
{{- $_ := set $env (printf "%s_MIGRATE_ON_START" $profile.prefix) (ternary "true" "false" (eq $root.Values.migrations.mode "onStart")) -}}
{{- end -}}
{{- if $profile.kafka -}}
{{- $_ := set $env "KAFKA_BROKERS" (include "notes.kafkaBrokers" $root) -}}
{{- end -}}
{{- if eq $key "auth" "bff" -}}
{{- $_ := set $env "JWT_ISSUER" $root.Values.jwt.issuer -}}
{{- $_ := set $env "JWT_AUDIENCE" $root.Values.jwt.audience -}}
{{- end -}}
{{- if $profile.opsPort -}}
{{- $_ := set $env (printf "%s_HTTP_HOST" $profile.prefix) "0.0.0.0" -}}
{{- $_ := set $env (printf "%s_HTTP_PORT" $profile.prefix) (toString $profile.opsPort) -}}
{{- end -}}
{{- if eq $key "saga" -}}
{{- $_ := set $env "AUTH_GRPC_URL" (include "notes.grpcUrl" (dict "root" $root "key" "auth")) -}}
{{- end -}}
{{- if eq $key "bff" -}}
{{- $_ := set $env "BFF_HTTP_HOST" "0.0.0.0" -}}
{{- $_ := set $env "BFF_HTTP_PORT" (toString $profile.httpPort) -}}
{{- $_ := set $env "AUTH_GRPC_URL" (include "notes.grpcUrl" (dict "root" $root "key" "auth")) -}}
{{- $_ := set $env "NOTES_GRPC_URL" (include "notes.grpcUrl" (dict "root" $root "key" "notes")) -}}
{{- $_ := set $env "SAGA_GRPC_URL" (include "notes.grpcUrl" (dict "root" $root "key" "saga")) -}}
{{- end -}}
{{- if $root.Values.grpcTls.enabled -}}
{{- $_ := set $env "GRPC_TLS_CA" "/etc/notes/grpc-tls/ca.crt" -}}
{{- $_ := set $env "GRPC_TLS_CERT" "/etc/notes/grpc-tls/tls.crt" -}}
{{- $_ := set $env "GRPC_TLS_KEY" "/etc/notes/grpc-tls/tls.key" -}}
{{- else -}}
{{- $_ := set $env "GRPC_PLAINTEXT" "true" -}}
{{- end -}}
{{- range $name, $value := $svc.env -}}
{{- $_ := set $env $name (toString $value) -}}
{{- end -}}
{{- toYaml $env -}}
{{- end -}}

{{/* The Secret with a service's gRPC identity (ca.crt, tls.crt, tls.key). */}}
{{- define "notes.grpcTlsSecretName" -}}
{{- index .root.Values.grpcTls.existingSecrets .key | default (printf "%s-grpc-tls" (include "notes.serviceName" .)) -}}
{{- end -}}

{{/* The DSN of a service's database: services.<key>.database.dsn, else the in-cluster PostgreSQL's. */}}
{{- define "notes.databaseDsn" -}}
{{- $profile := include "notes.profile" . | fromYaml -}}
{{- $svc := index .root.Values.services .key -}}
{{- if $svc.database.dsn -}}
{{- $svc.database.dsn -}}
{{- else if .root.Values.postgres.inCluster.enabled -}}
{{- printf "postgres://postgres:%s@%s-postgres:5432/%s" (.root.Values.postgres.inCluster.password | urlquery) (include "notes.fullname" .root) $profile.database -}}
{{- else -}}
{{- fail (printf "services.%s.database.dsn is required (or services.%s.existingSecret, or postgres.inCluster.enabled)" .key .key) -}}
{{- end -}}
{{- end -}}

{{/* The secret settings of a service (the Secret's data when no existingSecret is named). */}}
{{- define "notes.secretEnv" -}}
{{- $root := .root -}}
{{- $key := .key -}}
{{- $profile := include "notes.profile" . | fromYaml -}}
{{- $env := dict -}}
{{- if $profile.database -}}
{{- $_ := set $env (printf "%s_DB_DSN" $profile.prefix) (include "notes.databaseDsn" .) -}}
{{- end -}}
{{- if and (eq $key "auth") (not $root.Values.jwt.existingSecret) -}}
{{- $_ := set $env "JWT_PRIVATE_KEY" (required "jwt.privateKey is required (--set-file jwt.privateKey=jwt-private.pem) unless jwt.existingSecret or services.auth.existingSecret is set" $root.Values.jwt.privateKey) -}}
{{- end -}}
{{- if and (eq $key "bff") (not $root.Values.jwt.existingSecret) -}}
{{- $_ := set $env "JWT_PUBLIC_KEY" (required "jwt.publicKey is required (--set-file jwt.publicKey=jwt-public.pem) unless jwt.existingSecret or services.bff.existingSecret is set" $root.Values.jwt.publicKey) -}}
{{- end -}}
{{- toYaml $env -}}
{{- end -}}

{{/* The Secret a service reads its secret settings from. */}}
{{- define "notes.secretName" -}}
{{- $svc := index .root.Values.services .key -}}
{{- $svc.existingSecret | default (include "notes.serviceName" .) -}}
{{- end -}}

{{/*
The environment of a service's containers: its ConfigMap and Secret; the JWT key from
jwt.existingSecret when that is set and the service has no existingSecret of its own.
*/}}
{{- define "notes.envFrom" -}}
{{- $svc := index .root.Values.services .key -}}
- configMapRef:
    name: {{ include "notes.serviceName" . }}
{{- if or $svc.existingSecret (include "notes.secretEnv" . | fromYaml) }}
- secretRef:
    name: {{ include "notes.secretName" . }}
{{- end }}
{{- end -}}

{{- define "notes.jwtEnv" -}}
{{- $svc := index .root.Values.services .key -}}
{{- if and .root.Values.jwt.existingSecret (not $svc.existingSecret) (or (eq .key "auth") (eq .key "bff")) -}}
{{- $name := ternary "JWT_PRIVATE_KEY" "JWT_PUBLIC_KEY" (eq .key "auth") -}}
- name: {{ $name }}
  valueFrom:
    secretKeyRef:
      name: {{ .root.Values.jwt.existingSecret }}
      key: {{ $name }}
{{- end -}}
{{- end -}}

{{- define "notes.podSecurityContext" -}}
{{- toYaml .Values.podSecurityContext -}}
{{- end -}}

{{- define "notes.containerSecurityContext" -}}
{{- toYaml .Values.containerSecurityContext -}}
{{- end -}}

{{/*
The delivery reconciler's secret settings: AUTH_DB_DSN, NOTES_DB_DSN and SAGA_DB_DSN of its own
read-only role, from deliveryReconciler.databases.<key>.dsn, else the in-cluster PostgreSQL's
delivery_reconciler role.
*/}}
{{- define "notes.reconcilerSecretEnv" -}}
{{- $root := . -}}
{{- $env := dict -}}
{{- range $key := list "auth" "notes" "saga" -}}
{{- $profile := include "notes.profile" (dict "root" $root "key" $key) | fromYaml -}}
{{- $dsn := (index $root.Values.deliveryReconciler.databases $key).dsn -}}
{{- if and (not $dsn) $root.Values.postgres.inCluster.enabled -}}
{{- $dsn = printf "postgres://delivery_reconciler:%s@%s-postgres:5432/%s" ($root.Values.postgres.inCluster.deliveryReconcilerPassword | urlquery) (include "notes.fullname" $root) $profile.database -}}
{{- end -}}
{{- if not $dsn -}}
{{- fail (printf "deliveryReconciler.databases.%s.dsn is required (or deliveryReconciler.existingSecret, or postgres.inCluster.enabled, or deliveryReconciler.enabled=false)" $key) -}}
{{- end -}}
{{- $_ := set $env (printf "%s_DB_DSN" $profile.prefix) $dsn -}}
{{- end -}}
{{- toYaml $env -}}
{{- end -}}
