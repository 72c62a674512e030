{{/* Name of every object: the release name unless overridden, truncated to 63 characters. */}}
{{- define "service.fullname" -}}
{{- default .Release.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Selector labels: fixed by release, never user labels (a Deployment's selector is immutable). */}}
{{- define "service.selectorLabels" -}}
app.kubernetes.io/name: {{ include "service.fullname" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* The label the platform's `services` Fargate profile selects (config/fargate.py, SERVICE_POD_LABEL).
Set after podLabels and never taken from them: without it a pod has no node to run on. */}}
{{- define "service.fargateLabels" -}}
tap.platform/compute: fargate
{{- end -}}

{{- define "service.labels" -}}
{{ include "service.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "service.image" -}}
{{- if .Values.image.digest -}}
{{ printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else -}}
{{ printf "%s:%s" .Values.image.repository .Values.image.tag }}
{{- end -}}
{{- end -}}

{{/* Rules across fields, which values.schema.json cannot express. Each names the fields. */}}
{{- define "service.validate" -}}
{{- $a := .Values.autoscaling -}}
{{- if gt (int $a.minReplicas) (int $a.maxReplicas) -}}
{{- fail (printf "autoscaling.minReplicas (%d) must not exceed autoscaling.maxReplicas (%d)" (int $a.minReplicas) (int $a.maxReplicas)) -}}
{{- end -}}
{{- if ge (int .Values.podDisruptionBudget.minAvailable) (int $a.minReplicas) -}}
{{- fail (printf "podDisruptionBudget.minAvailable (%d) must be below autoscaling.minReplicas (%d), or no pod could ever be evicted and node maintenance would stall" (int .Values.podDisruptionBudget.minAvailable) (int $a.minReplicas)) -}}
{{- end -}}
{{- if and (not .Values.ingress.certificateArn) (eq .Values.ingress.scheme "internet-facing") .Values.ingress.enabled -}}
{{- fail "ingress.certificateArn: an internet-facing ingress must serve HTTPS; set an ACM certificate ARN" -}}
{{- end -}}
{{- end -}}
