{{- define "collector.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end }}

{{- define "collector.selector" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
The image, pulled through the platform's ECR pull-through cache for ECR Public: its namespace's
security group has no internet egress, and on Fargate the pod's own interface pulls the image.
*/}}
{{- define "collector.image" -}}
{{- $upstream := "public.ecr.aws/" -}}
{{- if not (hasPrefix $upstream (required "image" .Values.image)) -}}
{{- fail (printf "image %q must be on %s: only that registry is mirrored at imageMirror" .Values.image $upstream) -}}
{{- end -}}
{{- printf "%s/%s" (required "imageMirror" .Values.imageMirror) (trimPrefix $upstream .Values.image) -}}
{{- end }}
