/**
 * @peculiar/x509 pulls in tsyringe, which needs `Reflect.getMetadata`; its declared polyfill
 * (@abraham/reflection) is not installed here. This is the smallest metadata store that satisfies
 * it, for tests and the bench comparison only. Import it before @peculiar/x509.
 */
type Target = object;
const store = new WeakMap<Target, Map<string | symbol | undefined, Map<unknown, unknown>>>();

function bucket(target: Target, prop: string | symbol | undefined, create: boolean): Map<unknown, unknown> | undefined {
  let byProp = store.get(target);
  if (!byProp && create) store.set(target, (byProp = new Map()));
  let m = byProp?.get(prop);
  if (!m && create && byProp) byProp.set(prop, (m = new Map()));
  return m;
}

const R = Reflect as unknown as Record<string, unknown>;
if (typeof R.getMetadata !== 'function') {
  const getOwn = (key: unknown, target: Target, prop?: string | symbol) => bucket(target, prop, false)?.get(key);
  const get = (key: unknown, target: Target, prop?: string | symbol): unknown => {
    for (let t: Target | null = target; t; t = Object.getPrototypeOf(t) as Target | null) {
      const v = bucket(t, prop, false);
      if (v?.has(key)) return v.get(key);
    }
    return undefined;
  };
  const define = (key: unknown, value: unknown, target: Target, prop?: string | symbol) => {
    bucket(target, prop, true)!.set(key, value);
  };
  Object.assign(R, {
    defineMetadata: define,
    getMetadata: get,
    getOwnMetadata: getOwn,
    hasMetadata: (k: unknown, t: Target, p?: string | symbol) => get(k, t, p) !== undefined,
    hasOwnMetadata: (k: unknown, t: Target, p?: string | symbol) => getOwn(k, t, p) !== undefined,
    metadata: (k: unknown, v: unknown) => (t: Target, p?: string | symbol) => define(k, v, t, p),
  });
}
export {};
