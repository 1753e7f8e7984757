/** Real-shaped Kubernetes objects for discovery tests. */
import type { V1EndpointSlice, V1Node, V1Pod, V1Service, V1ServicePort } from '@kubernetes/client-node';

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
  readonly node?: string;
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
      ...(e.node ? { nodeName: e.node } : {}),
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

/** A Node with the well-known topology labels (and a heartbeat time, which changes on every status update). */
export function node(name: string, region: string | undefined, zone: string | undefined, heartbeat = '2026-01-01T00:00:00Z'): V1Node {
  const labels: Record<string, string> = { 'kubernetes.io/hostname': name };
  if (region) labels['topology.kubernetes.io/region'] = region;
  if (zone) labels['topology.kubernetes.io/zone'] = zone;
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, labels, uid: `uid-node-${name}` }, status: { conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: heartbeat as unknown as Date }] } };
}
