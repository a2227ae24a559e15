// The one identity the app runs as: storage (AzureWebJobsStorage and the run's queues, tables, blobs), the
// deployment package, Key Vault references, Application Insights ingestion and, in oidc mode, the Entra ID token
// that Alibaba Cloud STS trades for OSS credentials (its object id is the token's `sub`).

@description('Name of the user-assigned managed identity.')
param name string

param location string

param tags object = {}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
output tenantId string = identity.properties.tenantId
