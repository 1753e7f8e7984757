/** Real-shaped Kubernetes objects for discovery tests. */
import type { V1EndpointSlice, V1Pod, V1Service, V1ServicePort } from '@kubernetes/client-node';

export interface PortSpec {
  readonly name?: string;
  readonly port: number;
  readonly targetPort?: number | string;
  readonly appProtocol?: string;
  readonly protocol?: string;
}

export function service(name: string, ports: readonly PortSpec[], namespace = 'default'): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace, uid: `uid-svc-${namespace}-${name}` },
    spec: { type: 'ClusterIP', clusterIP: '10.96.0.10', selector: { app: name }, ports: ports.map((p) => ({ protocol: 'TCP', ...p })) as V1ServicePort[] },
  };
}

export interface EndpointSpec {
  readonly ip: string;
  readonly pod?: string;
  readonly ready?: boolean;
  readonly serving?: boolean;
  readonly terminating?: boolean;
  readonly zone?: string;
}

export function slice(name: string, svc: string, endpoints: readonly EndpointSpec[], ports: readonly { name?: string; port: number }[], namespace = 'default'): V1EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    addressType: 'IPv4',
    metadata: { name, namespace, labels: { 'kubernetes.io/service-name': svc, 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' } },
    endpoints: endpoints.map((e) => ({
      addresses: [e.ip],
      conditions: { ready: e.ready ?? true, serving: e.serving ?? e.ready ?? true, terminating: e.terminating ?? false },
      ...(e.zone ? { zone: e.zone } : {}),
      ...(e.pod ? { targetRef: { kind: 'Pod', name: e.pod, namespace, uid: `uid-pod-${e.pod}` } } : {}),
    })),
    ports: ports.map((p) => ({ protocol: 'TCP', ...p })),
  };
}

export function pod(name: string, labels: Record<string, string>, serviceAccountName: string, namespace = 'default'): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels, uid: `uid-pod-${name}` },
    spec: { serviceAccountName, containers: [{ name: 'app', image: 'example/app:1' }] },
  };
}
