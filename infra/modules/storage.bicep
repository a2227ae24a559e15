// The app's storage account: shared keys off, so every client (the Functions host, the app, azd's deployment)
// authenticates as an Entra ID identity. Holds the deployment package container, the run's queues (and their
// poison queues), tables and blob containers, named as the app's AzureStorageOptions name them.

param name string

param location string

param tags object = {}

@description('Name of the app identity (its resource id names the role assignments before it exists).')
param identityName string

@description('Object (principal) id of the app identity.')
param identityPrincipalId string

@description('Container Flex Consumption deploys the app package to.')
param deploymentContainerName string

@description('Queues the app reads and writes (the Functions runtime adds "-poison" ones; they are created too).')
param queueNames array

@description('Tables the app keeps runs and outcomes in.')
param tableNames array

@description('Blob containers the app keeps reports and copy state in.')
param containerNames array

// Built-in roles (Azure RBAC built-in roles, Storage category): the least the host and the app need.
var storageBlobDataOwner = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
var storageQueueDataContributor = '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
var storageTableDataContributor = '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
var roles = [storageBlobDataOwner, storageQueueDataContributor, storageTableDataContributor]

var identityId = resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', identityName)
var allQueues = concat(queueNames, map(queueNames, q => '${q}-poison'))

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: account
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = [
  for container in containerNames: {
    parent: blobService
    name: container
    properties: {
      publicAccess: 'None'
    }
  }
]

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: account
  name: 'default'
}

resource queues 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = [
  for queue in allQueues: {
    parent: queueService
    name: queue
  }
]

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2023-05-01' = {
  parent: account
  name: 'default'
}

resource tables 'Microsoft.Storage/storageAccounts/tableServices/tables@2023-05-01' = [
  for table in tableNames: {
    parent: tableService
    name: table
  }
]

resource roleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for role in roles: {
    name: guid(account.id, identityId, role)
    scope: account
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
      principalId: identityPrincipalId
      principalType: 'ServicePrincipal'
    }
  }
]

output name string = account.name
output blobEndpoint string = account.properties.primaryEndpoints.blob
output queueEndpoint string = account.properties.primaryEndpoints.queue
output tableEndpoint string = account.properties.primaryEndpoints.table
output deploymentContainerUrl string = '${account.properties.primaryEndpoints.blob}${deploymentContainerName}'
