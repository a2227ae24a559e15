// One-command deployment of OssCopyFunctions (`azd up`): a resource group holding the Functions app on Flex
// Consumption, its storage (identity-only), a user-assigned identity with the least roles it needs, Application
// Insights + Log Analytics, a workbook over the app's metrics, and, in keyvault mode, a Key Vault for the OSS
// AccessKey secret. README "Deploy to Azure" explains every parameter and the Alibaba Cloud side.
targetScope = 'subscription'

@minLength(1)
@maxLength(40)
@description('azd environment name; names the resource group and seeds the resource names.')
param environmentName string

@minLength(1)
@description('Azure region of every resource.')
param location string

// ---- Scale ------------------------------------------------------------------------------------------------

@minValue(1)
@maxValue(1000)
@description('Most instances the Flex Consumption plan scales out to.')
param maximumInstanceCount int = 40

@allowed([512, 2048, 4096])
@description('Memory of each instance (MB).')
param instanceMemoryMB int = 2048

// ---- OSS ---------------------------------------------------------------------------------------------------

@description('OSS region id of the buckets, e.g. cn-hangzhou.')
param ossRegion string

@description('Optional OSS endpoint (host or URL); empty for the region\'s public endpoint.')
param ossEndpoint string = ''

@allowed(['oidc', 'keyvault'])
@description('oidc: no Alibaba secret anywhere, STS AssumeRoleWithOIDC with the app identity\'s Entra ID token. keyvault: an AccessKey whose secret is kept in Key Vault.')
param ossCredentialMode string = 'oidc'

@description('oidc mode: ARN of the RAM role to assume, acs:ram::{account}:role/{name}.')
param ossRoleArn string = ''

@description('oidc mode: ARN of the RAM OIDC identity provider for Entra ID, acs:ram::{account}:oidc-provider/{name}.')
param ossOidcProviderArn string = ''

@description('oidc mode: scope of the Entra ID token; its audience (the scope without /.default) must be a client id of the RAM OIDC provider.')
param ossTokenScope string = 'api://AzureADTokenExchange/.default'

@description('keyvault mode: the OSS AccessKey id (an identifier, not a secret).')
param ossAccessKeyId string = ''

@secure()
@description('keyvault mode: the OSS AccessKey secret, stored only as a Key Vault secret.')
param ossAccessKeySecret string = ''

// ---- Backups -----------------------------------------------------------------------------------------------

@description('NCRONTAB (six fields, UTC) of the backup timer: the default is 02:00 every day.')
param backupSchedule string = '0 0 2 * * *'

@description('Backup plans, in the shape of a plan file (README "osscopy backup") without "oss", plus an optional schedule; each becomes OssCopy:Backups:Plans:{name}:Json (and :Schedule).')
param backupPlans backupPlan[] = []

// ---- Names (the defaults are the app's own: src/OssCopy.AzureStorage/AzureStorageOptions.cs) -------------

param listQueueName string = 'osscopy-list'
param copyQueueName string = 'osscopy-copy'
param runsTableName string = 'osscopyruns'
param outcomesTableName string = 'osscopyoutcomes'
param reportsContainerName string = 'reports'
param stateContainerName string = 'osscopy-state'

@description('Accept only Entra ID-authenticated telemetry in Application Insights.')
param disableApplicationInsightsLocalAuth bool = false

// ---- Plan types: the app binds BackupPlan (src/OssCopy.Core/Backup/BackupPlan.cs) from these settings -------

type bucketLocation = {
  bucket: string
  prefix: string?
}

type planOptions = {
  storageClass: string?
  objectAcl: string?
  serverSideEncryption: string?
  serverSideDataEncryption: string?
  serverSideEncryptionKeyId: string?
  forbidOverwrite: bool?
  verification: ('ETag' | 'Crc' | 'Full')?
  parallelism: int?
  archived: ('fail' | 'skip' | 'restore')?
  restoreDays: int?
  restoreTier: ('Expedited' | 'Standard' | 'Bulk')?
}

type tagRule = {
  prefix: string?
  suffix: string?
  minSize: int?
  maxSize: int?
  action: ('Copy' | 'Replace' | 'Merge')?
  tagging: string?
}

type backupPlan = {
  name: string
  source: bucketLocation
  destination: bucketLocation
  include: string[]?
  exclude: string[]?
  options: planOptions?
  tagRules: tagRule[]?
  @description('The plan\'s own NCRONTAB (six fields, UTC); without it the plan runs on every BackupSchedule tick.')
  schedule: string?
}

// Each plan becomes OssCopy__Backups__Plans__{name}__Json (the plan file's JSON, which the app reads with the CLI's plan
// loader) and, when it has one, __Schedule (its own NCRONTAB; without one it runs on every BackupSchedule tick).
func planJson(plan backupPlan) string =>
  string({
    name: plan.name
    source: plan.source
    destination: plan.destination
    include: plan.?include ?? []
    exclude: plan.?exclude ?? []
    options: plan.?options ?? {}
    tagRules: plan.?tagRules ?? []
  })

func planSettings(plan backupPlan) object =>
  union(
    { 'OssCopy__Backups__Plans__${plan.name}__Json': planJson(plan) },
    empty(plan.?schedule ?? '') ? {} : { 'OssCopy__Backups__Plans__${plan.name}__Schedule': plan.?schedule ?? '' }
  )

var allPlanSettings = reduce(backupPlans, {}, (settings, plan) => union(settings, planSettings(plan)))

// ---- Resources ---------------------------------------------------------------------------------------------

var tags = {
  'azd-env-name': environmentName
}
var token = toLower(uniqueString(subscription().id, environmentName, location))
var useKeyVault = ossCredentialMode == 'keyvault'
var deploymentContainerName = 'app-package'
var ossSecretName = 'oss-access-key-secret'
var identityName = 'id-osscopy-${token}'

resource group 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: group
  params: {
    name: identityName
    location: location
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: group
  params: {
    name: 'stosscopy${take(token, 13)}'
    location: location
    tags: tags
    identityName: identityName
    identityPrincipalId: identity.outputs.principalId
    deploymentContainerName: deploymentContainerName
    // The webhook's and events' queued copies, and their tables, have fixed names (src/OssCopy.Functions/Copy/AsyncCopyStorage.cs, AsyncCopyNames).
    queueNames: [listQueueName, copyQueueName, 'osscopy-copy-requests']
    tableNames: [runsTableName, outcomesTableName, 'osscopycopies', 'osscopyidempotency', 'osscopyevents']
    containerNames: [reportsContainerName, stateContainerName]
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: group
  params: {
    logAnalyticsName: 'log-osscopy-${token}'
    applicationInsightsName: 'appi-osscopy-${token}'
    location: location
    tags: tags
    identityName: identityName
    identityPrincipalId: identity.outputs.principalId
    disableLocalAuth: disableApplicationInsightsLocalAuth
  }
}

module keyVault 'modules/keyvault.bicep' = if (useKeyVault) {
  name: 'keyvault'
  scope: group
  params: {
    name: 'kv-osscopy-${take(token, 11)}'
    location: location
    tags: tags
    identityName: identityName
    identityPrincipalId: identity.outputs.principalId
    secretName: ossSecretName
    ossAccessKeySecret: ossAccessKeySecret
  }
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  scope: group
  params: {
    name: 'func-osscopy-${token}'
    planName: 'plan-osscopy-${token}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    storageBlobEndpoint: storage.outputs.blobEndpoint
    storageQueueEndpoint: storage.outputs.queueEndpoint
    storageTableEndpoint: storage.outputs.tableEndpoint
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    ossCredentialMode: ossCredentialMode
    ossRegion: ossRegion
    ossEndpoint: ossEndpoint
    ossRoleArn: ossRoleArn
    ossOidcProviderArn: ossOidcProviderArn
    ossTokenScope: ossTokenScope
    ossAccessKeyId: ossAccessKeyId
    ossAccessKeySecretUri: useKeyVault ? keyVault!.outputs.secretUri : ''
    backupSchedule: backupSchedule
    planSettings: allPlanSettings
    listQueueName: listQueueName
    copyQueueName: copyQueueName
    runsTableName: runsTableName
    outcomesTableName: outcomesTableName
    reportsContainerName: reportsContainerName
    stateContainerName: stateContainerName
  }
}

module workbook 'modules/workbook.bicep' = {
  name: 'workbook'
  scope: group
  params: {
    name: guid(group.id, 'osscopy-workbook')
    location: location
    tags: tags
    applicationInsightsId: monitoring.outputs.applicationInsightsId
  }
}

// ---- Outputs: what the Alibaba Cloud side (RAM OIDC provider, role trust policy) needs, and azd's names ------

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = group.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output AZURE_FUNCTION_APP_URL string = 'https://${functionApp.outputs.defaultHostName}'
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
output KEY_VAULT_NAME string = useKeyVault ? keyVault!.outputs.name : ''

@description('The Entra ID token\'s issuer: the RAM OIDC provider\'s issuer URL.')
output OIDC_ISSUER string = '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'

@description('The token\'s audience (oidc:aud): a client id of the RAM OIDC provider.')
output OIDC_AUDIENCE string = replace(ossTokenScope, '/.default', '')

@description('The token\'s subject (oidc:sub): the app identity\'s object id.')
output OIDC_SUBJECT string = identity.outputs.principalId

output MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
