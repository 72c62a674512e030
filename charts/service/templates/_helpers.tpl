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
{{- include "service.validateSize" . -}}
{{- end -}}

{{/* Quantities compared in whole units: CPU in millicores ('0.5' = 500m), memory in MiB (1Gi = 1024Mi).
     The schema allows only these units, so the comparison is exact. */}}
{{- define "service.millicores" -}}
{{- if hasSuffix "m" . -}}{{ trimSuffix "m" . | int }}{{- else -}}{{ mulf (float64 .) 1000 | int }}{{- end -}}
{{- end -}}
{{- define "service.mebibytes" -}}
{{- if hasSuffix "Gi" . -}}{{ mul (trimSuffix "Gi" . | int) 1024 }}{{- else -}}{{ trimSuffix "Mi" . | int }}{{- end -}}
{{- end -}}

{{/* What Fargate can run: at most 16 vCPU and 120Gi per pod; and a request no larger than its limit. */}}
{{- define "service.validateSize" -}}
{{- $r := .Values.resources -}}
{{- $cpu := include "service.millicores" $r.requests.cpu | int -}}
{{- $request := include "service.mebibytes" $r.requests.memory | int -}}
{{- $limit := include "service.mebibytes" $r.limits.memory | int -}}
{{- if or (gt $cpu 16000) (lt $cpu 1) -}}
{{- fail (printf "resources.requests.cpu (%s) must be from 1m to 16 (Fargate runs at most 16 vCPU per pod)" $r.requests.cpu) -}}
{{- end -}}
{{- if gt $request 122880 -}}
{{- fail (printf "resources.requests.memory (%s) must be at most 120Gi (Fargate runs at most 120 GiB per pod)" $r.requests.memory) -}}
{{- end -}}
{{- if gt $limit 122880 -}}
{{- fail (printf "resources.limits.memory (%s) must be at most 120Gi (Fargate runs at most 120 GiB per pod)" $r.limits.memory) -}}
{{- end -}}
{{- if gt $request $limit -}}
{{- fail (printf "resources.requests.memory (%s) must not exceed resources.limits.memory (%s)" $r.requests.memory $r.limits.memory) -}}
{{- end -}}
{{- end -}}
