// The public surface of @threadkit/core: what the server, the widget, the test
// helpers, the tests and the benches import. Everything else stays internal.
export {
  type ApiKeyKind,
  apiKeyKind,
  generateApiKey,
  hashApiKey,
  maskApiKey,
  safeEqual,
} from './api-keys.js';
export {
  type Config,
  ConfigError,
  defaultMaxConnections,
  loadConfig,
  type OAuthProviderConfig,
  type RedisConfig,
  signInProviders,
  type WebSocketConfig,
} from './config.js';
export { MailQueue, type MailQueueOptions } from './delivery/mail-queue.js';
export { type Email, LogMailer, type Mailer, SmtpMailer } from './delivery/mailer.js';
export { LogSms, TwilioSms } from './delivery/sms.js';
export { escapeHtml } from './delivery/templates.js';
export { type EgressPolicy, egressPolicy, mayConnect, PUBLIC_ONLY } from './egress/index.js';
export {
  DEFAULT_SITE_NAME,
  ENV_VARIABLES,
  type EnvValues,
  type EnvVariableName,
  environmentTable,
  type Mode,
  readEnvironment,
} from './environment.js';
export {
  type AnyErrorCode,
  conflict,
  ERROR_CODES,
  ERRORS,
  type ErrorCode,
  errorCodesOn,
  forbidden,
  invalid,
  isErrorCode,
  notFound,
  type OAuthErrorCode,
  ThreadKitError,
  unauthorized,
  type WebSocketErrorCode,
} from './errors.js';
export { EventBus, redisRelay } from './events.js';
export * from './export/format.js';
export { ID_SCHEMA_PATTERN, idFromUuid, idToUuid, isId, nameId, newId } from './ids.js';
export { htmlToText, storedText } from './import/content.js';
export {
  type ImportOptions,
  type ImportProgress,
  type ImportReport,
  type ReasonCount,
  runImport,
} from './import/engine.js';
export { IMPORT_FORMATS, type ImportFormat, importReader, isImportFormat } from './import/formats.js';
export { type GeneratedDisqus, generateDisqus } from './import/generate-disqus.js';
export {
  IMPORT_KEPT_S,
  IMPORT_REASONS_KEPT,
  IMPORT_STALE_MS,
  ImportJobs,
  type ImportJobView,
  type StartImport,
} from './import/jobs.js';
export {
  readThreadKitExport,
  type ThreadKitAuthor,
  type ThreadKitComment,
} from './import/readers/threadkit.js';
export type * from './import/records.js';
export { UrlMap } from './import/url-map.js';
export { type KeyMode, originNotAllowed, secretKeyInBrowser, shownKey, unknownKey } from './key-refusals.js';
export { channels, keys, LAYOUT_VERSION, sitePrefix } from './keys.js';
export { plainHtml, renderMarkdown, storedHtml } from './markdown.js';
export { migrateLayout1 } from './migrate/layout-1.js';
export {
  type ClientInfo,
  createModerationPipeline,
  type ModerationInput,
  type PipelineVerdict,
} from './moderation/index.js';
export { MAX_NAME_LENGTH, validateName } from './names.js';
export { allowedBy, checkOriginPattern, parseOrigin, requireAllowedOrigin } from './origins.js';
export { OWNER_TOKEN_MAX_SECONDS, type OwnerTokenClaims, OwnerTokens } from './owner-tokens.js';
export { MAX_PAGE_KEY_LENGTH, MAX_URL_LENGTH, type PageRef, resolvePage } from './page-identity.js';
export { checkPassword, decoyHash, hashPassword, MAX_PASSWORD_LENGTH, verifyPassword } from './passwords.js';
export * from './plans.js';
export * from './protocol/index.js';
export { MAX_RATE_LIMIT, RATE_BUCKETS, RATE_LIMIT_WINDOW_MS } from './rate-limits.js';
export { AccountService, loginOf, type Me } from './services/account-service.js';
export { type AuthenticatedViewer, AuthService } from './services/auth-service.js';
export { CommentService, MAX_DEPTH, previewContent } from './services/comment-service.js';
export { DashboardDirectory } from './services/dashboard-directory.js';
export { DisplayNames } from './services/display-names.js';
export { ModerationService, requireRole } from './services/moderation-service.js';
export { NOTIFICATION_EMAIL_WINDOW_MS, NotificationService } from './services/notification-service.js';
export { type OAuthClient, oauthClient, type ProviderIdentity } from './services/oauth-providers.js';
export { OAuthError, OAuthService, type OAuthSignedIn } from './services/oauth-service.js';
export { PageStates } from './services/page-states.js';
export { ProfileService } from './services/profile-service.js';
export {
  type RateBudget,
  RateLimiter,
  type RateLimiterOptions,
  type RateRefusal,
} from './services/rate-limiter.js';
export { EXPORT_BATCH, SiteExport, type SiteExportDeps } from './services/site-export.js';
export { type SitePurgeOptions, SitePurges } from './services/site-purges.js';
export { type ResolvedKey, type SiteDirectory, SiteService } from './services/site-service.js';
export {
  DEFAULT_LIMIT,
  DEFAULT_REPLIES,
  MAX_HIDDEN_SHOWN,
  MAX_LIMIT,
  MAX_REPLIES,
  type ThreadQuery,
  ThreadReader,
  type ThreadResult,
} from './services/thread-reader.js';
export { DAY_PATTERN, dayOf, isDay, MONTH_PATTERN, monthOf, UsageMeter } from './services/usage-meter.js';
export type { UsageRecorder } from './services/usage-recorder.js';
export {
  DEFAULT_SETTINGS,
  isSettingName,
  parseSetting,
  redactSettings,
  SETTING_SPECS,
  type SettingForm,
  settingText,
  withDefaults,
} from './settings.js';
export { CodeStore, LimitStore } from './store/code-store.js';
export { decodeComment, encodeComment } from './store/comment-record.js';
export { CommentStore } from './store/comment-store.js';
export { ExportStore, type RecordFamily, type StoredPage } from './store/export-store.js';
export { checkLayout, LayoutError, storedLayout } from './store/layout.js';
export { MailDigestStore } from './store/mail-digest-store.js';
export { MailQueueStore } from './store/mail-queue-store.js';
export { ModerationStore, type ScanPosition, type UserList } from './store/moderation-store.js';
export {
  NOTIFICATION_ID_PATTERN,
  NOTIFICATION_LETTERS,
  NOTIFICATIONS_KEPT,
  NOTIFICATIONS_MAX_AGE_MS,
  NotificationStore,
  type NotificationType,
  notificationId,
} from './store/notification-store.js';
export { OAuthStore } from './store/oauth-store.js';
export { RateLimitStore } from './store/rate-limit-store.js';
export {
  type LoggedEvent,
  type PresenceSnapshot,
  type PresenceTiming,
  RealtimeStore,
} from './store/realtime-store.js';
export {
  createRedis,
  isCluster,
  isConnectionError,
  RECOMMENDED_REDIS_SETTINGS,
  type RedisClient,
  waitForRedis,
} from './store/redis.js';
export { luaPrelude, scripts } from './store/scripts.js';
export { SessionStore } from './store/session-store.js';
export { type PendingPurge, SitePurgeStore } from './store/site-purge-store.js';
export { type SiteRecord, SiteStore } from './store/site-store.js';
export {
  USAGE_COUNTERS,
  USAGE_TOP_PAGES,
  USAGE_TTL_SECONDS,
  type UsageReport,
  UsageStore,
} from './store/usage-store.js';
export { UserStore } from './store/user-store.js';
export {
  WEBHOOK_LOG_KEPT,
  type WebhookAttempt,
  type WebhookEndpoint,
  WebhookStore,
} from './store/webhook-store.js';
export { TokenSigner } from './tokens.js';
export {
  type CommentView,
  isModerator,
  newUser,
  RANK,
  type RateLimits,
  REPORT_REASONS,
  type ReportReason,
  type SiteSettings,
  SORT_ORDERS,
  type SortOrder,
  type StoredComment,
  type User,
  type Viewer,
} from './types.js';
export { UnsubscribeTokens } from './unsubscribe.js';
export * from './webhooks/index.js';
