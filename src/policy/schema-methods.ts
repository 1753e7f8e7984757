/** The HTTP methods route matches and access rules name (weft's kinds and HTTPRoute alike). */
export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'] as const;
