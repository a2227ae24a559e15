// Log Analytics + workspace-based Application Insights. The app identity may publish telemetry with Entra ID
// (APPLICATIONINSIGHTS_AUTHENTICATION_STRING), so ingestion can be switched to Entra ID only (disableLocalAuth).

param logAnalyticsName string

param applicationInsightsName string

param location string

param tags object = {}

param identityName string

param identityPrincipalId string

@description('Accept only Entra ID-authenticated ingestion. Needs every telemetry source of the app to authenticate.')
param disableLocalAuth bool = false

@minValue(30)
param retentionInDays int = 30

// Built-in role: Monitoring Metrics Publisher (Monitor category).
var monitoringMetricsPublisher = '3913510d-42f4-4e42-8a64-420c390055eb'

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
  }
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: applicationInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    DisableLocalAuth: disableLocalAuth
  }
}

resource publisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', identityName), monitoringMetricsPublisher)
  scope: applicationInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringMetricsPublisher)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output applicationInsightsId string = applicationInsights.id
output applicationInsightsName string = applicationInsights.name
output connectionString string = applicationInsights.properties.ConnectionString
output workspaceId string = workspace.id
