/** Public surface of the admin module: the REST API, its errors and the OpenAPI document. */
export { buildAdminApp, ADMIN_BODY_LIMIT, type AdminAppOptions } from './app.js';
export { startAdmin, adminBindProblem, AdminConfigError, type StartAdminOptions, type RunningAdmin } from './server.js';
export { AdminCode, AdminError } from './errors.js';
export { isLoopbackHost } from './auth.js';
