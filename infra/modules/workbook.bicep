// An Azure Monitor workbook over the app's metrics (OpenTelemetry → Application Insights customMetrics, where
// instrument names keep their dots): copies, bytes, failures, throttling, run durations and the last runs.

param name string

param location string

param tags object = {}

param applicationInsightsId string

param displayName string = 'OssCopy backups'

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  name: name
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: displayName
    category: 'workbook'
    sourceId: applicationInsightsId
    serializedData: loadTextContent('workbook.json')
  }
}

output id string = workbook.id
