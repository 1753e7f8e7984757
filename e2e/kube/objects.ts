/**
 * Kubernetes objects as a user (or the endpoint-slice controller, which does not run here) writes
 * them to a real API server: no uid, resourceVersion or clusterIP (the server assigns those).
 */
import type { V1EndpointSlice, V1Pod, V1Service } from '@kubernetes/client-node';

export function service(namespace: string, name: string, ports: readonly { name: string; port: number; targetPort?: number }[]): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace },
    spec: { selector: { app: name }, ports: ports.map((p) => ({ protocol: 'TCP', name: p.name, port: p.port, targetPort: p.targetPort ?? p.port })) },
  };
}

/** A Pod that no kubelet will run: weft reads its labels and service account only. */
export function pod(namespace: string, name: string, labels: Record<string, string>, serviceAccountName = 'default'): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels },
    spec: { serviceAccountName, containers: [{ name: 'app', image: 'registry.example/app:1' }] },
  };
}

export interface SliceEndpoint {
  readonly ip: string;
  readonly pod?: string;
  readonly ready?: boolean;
  readonly serving?: boolean;
  readonly terminating?: boolean;
  readonly zone?: string;
  readonly node?: string;
}

export function endpointSlice(namespace: string, name: string, svc: string, endpoints: readonly SliceEndpoint[], ports: readonly { name: string; port: number }[]): V1EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    addressType: 'IPv4',
    metadata: { name, namespace, labels: { 'kubernetes.io/service-name': svc, 'endpointslice.kubernetes.io/managed-by': 'weft-e2e' } },
    endpoints: endpoints.map((e) => ({
      addresses: [e.ip],
      conditions: { ready: e.ready ?? true, serving: e.serving ?? e.ready ?? true, terminating: e.terminating ?? false },
      ...(e.zone ? { zone: e.zone } : {}),
      ...(e.node ? { nodeName: e.node } : {}),
      ...(e.pod ? { targetRef: { kind: 'Pod', name: e.pod, namespace } } : {}),
    })),
    ports: ports.map((p) => ({ protocol: 'TCP', name: p.name, port: p.port })),
  };
}
