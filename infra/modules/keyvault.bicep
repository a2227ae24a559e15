// keyvault mode only: the OSS AccessKey secret in a Key Vault with RBAC authorization. The app reads it through a
// Key Vault reference resolved as the app identity (Key Vault Secrets User on this vault, nothing else).

param name string

param location string

param tags object = {}

param identityName string

param identityPrincipalId string

@description('Name of the secret that holds the OSS AccessKey secret.')
param secretName string

@secure()
@description('The OSS AccessKey secret. Rotate by setting a new value (a new secret version).')
param ossAccessKeySecret string

// Built-in role: Key Vault Secrets User (Security category).
var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    // Soft delete keeps a deleted vault 7 days; without purge protection `azd down --purge` can remove it, so an
    // environment can be re-created under the same name.
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    publicNetworkAccess: 'Enabled'
  }
}

resource secret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: secretName
  properties: {
    value: ossAccessKeySecret
    contentType: 'OSS AccessKey secret'
  }
}

resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', identityName), keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output name string = vault.name

@description('The secret without a version: the reference follows the latest version.')
output secretUri string = '${vault.properties.vaultUri}secrets/${secretName}'
