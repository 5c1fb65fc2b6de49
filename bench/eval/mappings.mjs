// @ts-check
/**
 * Fixed mappings from other tools' names to logveil detectors. A plugin or entity type is
 * "covered" when the loaded policy holds a detector this table points at; coverage is decided by
 * the table, never by whether some case happened to be detected.
 */

/**
 * detect-secrets plugins, keyed by the `plugin` field of detect_secrets_cases (the plugin's module
 * name). A detector addresses the plugin when its refs include one of `refs` (or
 * `detect-secrets:<className>`), or its id matches `ids`. `categories` are the finding
 * categories that count as "detected" in the loose (redaction) view; secret/credential unless the
 * plugin looks for something else (public IPs).
 *
 * @typedef {{ className: string, refs: string[], ids: RegExp | null, categories: string[] }} PluginMapping
 * @type {Readonly<Record<string, PluginMapping>>}
 */
export const DETECT_SECRETS_PLUGINS = Object.freeze({
  artifactory: plugin('ArtifactoryDetector', ['gitleaks:artifactory-api-key', 'gitleaks:artifactory-reference-token', 'gitleaks:jfrog-api-key', 'gitleaks:jfrog-identity-token'], /artifactory|jfrog/),
  aws_key: plugin('AWSKeyDetector', ['gitleaks:aws-access-token'], /^aws-/),
  azure_storage_key: plugin('AzureStorageKeyDetector', [], /azure-storage|azure-account-key/),
  basic_auth: plugin('BasicAuthDetector', ['gitleaks:curl-auth-user'], /ur[il]-(?:cred|userinfo|password|auth)|basic-auth|userinfo/),
  cloudant: plugin('CloudantDetector', [], /cloudant/),
  discord: plugin('DiscordBotTokenDetector', ['gitleaks:discord-api-token', 'gitleaks:discord-client-secret'], /discord/),
  github_token: plugin('GitHubTokenDetector', ['gitleaks:github-pat', 'gitleaks:github-oauth', 'gitleaks:github-app-token', 'gitleaks:github-refresh-token', 'gitleaks:github-fine-grained-pat'], /^github-/),
  gitlab_token: plugin('GitLabTokenDetector', ['gitleaks:gitlab-pat', 'gitleaks:gitlab-ptt', 'gitleaks:gitlab-rrt', 'gitleaks:gitlab-deploy-token', 'gitleaks:gitlab-runner-authentication-token', 'gitleaks:gitlab-feed-token', 'gitleaks:gitlab-oauth-app-secret', 'gitleaks:gitlab-scim-token', 'gitleaks:gitlab-incoming-mail-token', 'gitleaks:gitlab-kubernetes-agent-token', 'gitleaks:gitlab-cicd-job-token', 'gitleaks:gitlab-feature-flag-client-token'], /^gitlab-/),
  ibm_cloud_iam: plugin('IbmCloudIamDetector', [], /ibm-cloud|ibm-iam/),
  ibm_cos_hmac: plugin('IbmCosHmacDetector', [], /ibm-cos/),
  ip_public: { className: 'IPPublicDetector', refs: ['presidio:IP_ADDRESS'], ids: /^ipv?4|^ip-address/, categories: ['network'] },
  jwt: plugin('JwtTokenDetector', ['gitleaks:jwt', 'gitleaks:jwt-base64'], /jwt/),
  keyword: plugin('KeywordDetector', ['gitleaks:generic-api-key'], /password|passwd|secret-assign|keyword|generic|credential-assign|assignment/),
  mailchimp_key: plugin('MailchimpDetector', ['gitleaks:mailchimp-api-key'], /mailchimp/),
  npm: plugin('NpmDetector', ['gitleaks:npm-access-token'], /^npm-/),
  openai: plugin('OpenAIDetector', ['gitleaks:openai-api-key'], /openai/),
  private_key: plugin('PrivateKeyDetector', ['gitleaks:private-key'], /private-key/),
  pypi_token: plugin('PypiTokenDetector', ['gitleaks:pypi-upload-token'], /pypi/),
  sendgrid: plugin('SendGridDetector', ['gitleaks:sendgrid-api-token'], /sendgrid/),
  slack: plugin('SlackDetector', ['gitleaks:slack-bot-token', 'gitleaks:slack-user-token', 'gitleaks:slack-app-token', 'gitleaks:slack-webhook-url', 'gitleaks:slack-legacy-token', 'gitleaks:slack-legacy-bot-token', 'gitleaks:slack-legacy-workspace-token', 'gitleaks:slack-config-access-token', 'gitleaks:slack-config-refresh-token'], /^slack-/),
  softlayer: plugin('SoftlayerDetector', [], /softlayer/),
  square_oauth: plugin('SquareOAuthDetector', ['gitleaks:square-secret', 'gitleaks:square-access-token'], /^square-/),
  stripe_key: plugin('StripeDetector', ['gitleaks:stripe-access-token'], /stripe/),
  telegram_token: plugin('TelegramBotTokenDetector', ['gitleaks:telegram-bot-api-token'], /telegram/),
  twilio: plugin('TwilioKeyDetector', ['gitleaks:twilio-api-key'], /twilio/),
});

/**
 * @param {string} className
 * @param {string[]} refs
 * @param {RegExp} ids
 * @returns {PluginMapping}
 */
function plugin(className, refs, ids) {
  return { className, refs, ids, categories: ['secret', 'credential'] };
}

/** Presidio entity types evaluated span by span; MAC_ADDRESS only counts when a detector refs it. */
export const PRESIDIO_TYPES = Object.freeze(['EMAIL_ADDRESS', 'PHONE_NUMBER', 'CREDIT_CARD', 'IBAN_CODE', 'US_SSN', 'IP_ADDRESS', 'MAC_ADDRESS']);

/** Other spellings of those types in labelled data, mapped to Presidio's names. */
export const PRESIDIO_TYPE_ALIASES = Object.freeze({
  EMAIL: 'EMAIL_ADDRESS',
  PHONE: 'PHONE_NUMBER',
  PHONENUMBER: 'PHONE_NUMBER',
  CREDITCARD: 'CREDIT_CARD',
  CREDIT_CARD_NUMBER: 'CREDIT_CARD',
  IBAN: 'IBAN_CODE',
  SSN: 'US_SSN',
  IP: 'IP_ADDRESS',
  IPV4: 'IP_ADDRESS',
  IPV6: 'IP_ADDRESS',
  MAC: 'MAC_ADDRESS',
});

/**
 * The Presidio name of a labelled type (aliases resolved, upper-cased).
 * @param {string} type
 * @returns {string}
 */
export function presidioType(type) {
  const upper = type.toUpperCase();
  return /** @type {Record<string, string>} */ (PRESIDIO_TYPE_ALIASES)[upper] ?? upper;
}
