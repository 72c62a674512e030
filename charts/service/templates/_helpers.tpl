{{/* Name of every object: the release name unless overridden, truncated to 63 characters. */}}
{{- define "service.fullname" -}}
{{- default .Release.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Selector labels: fixed by release, never user labels (a Deployment's selector is immutable). */}}
{{- define "service.selectorLabels" -}}
app.kubernetes.io/name: {{ include "service.fullname" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
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
{{- $s := .Values.shutdown -}}
{{- if le (int $s.preStopSleepSeconds) (int $s.deregistrationDelaySeconds) -}}
{{- fail (printf "shutdown.preStopSleepSeconds (%d) must exceed shutdown.deregistrationDelaySeconds (%d), or the pod stops while the load balancer still sends it requests" (int $s.preStopSleepSeconds) (int $s.deregistrationDelaySeconds)) -}}
{{- end -}}
{{- if le (int $s.terminationGracePeriodSeconds) (int $s.preStopSleepSeconds) -}}
{{- fail (printf "shutdown.terminationGracePeriodSeconds (%d) must exceed shutdown.preStopSleepSeconds (%d), or the pod is killed before it can shut down" (int $s.terminationGracePeriodSeconds) (int $s.preStopSleepSeconds)) -}}
{{- end -}}
{{- if and (not .Values.ingress.certificateArn) (eq .Values.ingress.scheme "internet-facing") .Values.ingress.enabled -}}
{{- fail "ingress.certificateArn: an internet-facing ingress must serve HTTPS; set an ACM certificate ARN" -}}
{{- end -}}
{{- end -}}
