// The Functions app on the Flex Consumption plan (FC1), running as the user-assigned identity. Every app setting
// is a literal or comes from a parameter of this module, so the tests (tests/OssCopy.Infra.Tests) can evaluate the
// settings the app starts with and run the app's own start-up validation over them.

param name string

param planName string

param location string

param tags object = {}

@description('Resource id of the user-assigned identity the app runs as.')
param identityId string

param identityClientId string

@description('Blob container URL the Flex Consumption plan deploys the package to.')
param deploymentContainerUrl string

@minValue(1)
@maxValue(1000)
param maximumInstanceCount int

@allowed([512, 2048, 4096])
param instanceMemoryMB int

param storageBlobEndpoint string

param storageQueueEndpoint string

param storageTableEndpoint string

param applicationInsightsConnectionString string

@allowed(['oidc', 'keyvault'])
param ossCredentialMode string

@description('OSS region id, e.g. cn-hangzhou.')
param ossRegion string

@description('Optional OSS endpoint (host or URL); empty for the region\'s public endpoint.')
param ossEndpoint string

param ossRoleArn string

param ossOidcProviderArn string

@description('Scope of the Entra ID token sent to STS; its audience must be a client id of the RAM OIDC provider.')
param ossTokenScope string

param ossAccessKeyId string

@description('Key Vault secret URI (no version) of the OSS AccessKey secret; keyvault mode only.')
param ossAccessKeySecretUri string

@description('NCRONTAB (six fields, UTC) of the backup timer.')
param backupSchedule string

@description('Backup:Plans:N:* settings (see main.bicep).')
param planSettings object

param listQueueName string

param copyQueueName string

param runsTableName string

param outcomesTableName string

param reportsContainerName string

param stateContainerName string

// Linux app settings name nested configuration keys with "__" (the configuration's ':').
var commonSettings = {
  AzureWebJobsStorage__blobServiceUri: storageBlobEndpoint
  AzureWebJobsStorage__queueServiceUri: storageQueueEndpoint
  AzureWebJobsStorage__tableServiceUri: storageTableEndpoint
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: format('ClientId={0};Authorization=AAD', identityClientId)
  Oss__Region: ossRegion
  Oss__Endpoint: ossEndpoint
  BackupSchedule: backupSchedule
  OssCopy__AzureStorage__Connection: 'AzureWebJobsStorage'
  OssCopy__AzureStorage__ListQueue: listQueueName
  OssCopy__AzureStorage__CopyQueue: copyQueueName
  OssCopy__AzureStorage__RunsTable: runsTableName
  OssCopy__AzureStorage__OutcomesTable: outcomesTableName
  OssCopy__AzureStorage__ReportsContainer: reportsContainerName
  OssCopy__AzureStorage__StateContainer: stateContainerName
}

// No Alibaba secret anywhere: STS AssumeRoleWithOIDC with the app identity's Entra ID token.
var oidcSettings = {
  Oss__Credentials__Mode: 'AzureIdentity'
  Oss__Credentials__RoleArn: ossRoleArn
  Oss__Credentials__OidcProviderArn: ossOidcProviderArn
  Oss__Credentials__AzureIdentity__Scope: ossTokenScope
  Oss__Credentials__AzureIdentity__ManagedIdentityClientId: identityClientId
}

// An AccessKey whose secret stays in Key Vault; the platform resolves the reference as the app identity.
var keyVaultSettings = {
  Oss__Credentials__Mode: 'Static'
  OSS_ACCESS_KEY_ID: ossAccessKeyId
  OSS_ACCESS_KEY_SECRET: format('@Microsoft.KeyVault(SecretUri={0})', ossAccessKeySecretUri)
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'functions' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
  }
}

resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'appsettings'
  properties: union(commonSettings, ossCredentialMode == 'oidc' ? oidcSettings : keyVaultSettings, planSettings)
}

output name string = site.name
output defaultHostName string = site.properties.defaultHostName
