#!/bin/sh
# Init step of each compose pod: redirects the pod's TCP traffic through its Envoy sidecar with
# the same rules `weft inject` puts in Kubernetes init containers (src/inject/iptables.ts;
# test/deploy checks that the two agree). Envoy runs as UID 1337 and is exempt; outbound traffic
# to weft (18000, 18001) is not redirected. --noflush keeps Docker's own NAT rules for its
# embedded DNS (127.0.0.11) in this namespace. EXCLUDE_INBOUND_PORTS (space-separated) lets
# traffic to those ports reach the application directly.
set -e
iptables -t nat -D PREROUTING -p tcp -j WEFT_INBOUND 2>/dev/null || true
iptables -t nat -D OUTPUT -p tcp -j WEFT_OUTPUT 2>/dev/null || true
iptables-restore --noflush <<'EOF'
*nat
:WEFT_INBOUND - [0:0]
:WEFT_IN_REDIRECT - [0:0]
:WEFT_OUTPUT - [0:0]
:WEFT_REDIRECT - [0:0]
-A PREROUTING -p tcp -j WEFT_INBOUND
-A OUTPUT -p tcp -j WEFT_OUTPUT
-A WEFT_INBOUND -p tcp --dport 15020 -j RETURN
-A WEFT_INBOUND -p tcp --dport 15090 -j RETURN
-A WEFT_INBOUND -p tcp -j WEFT_IN_REDIRECT
-A WEFT_IN_REDIRECT -p tcp -j REDIRECT --to-ports 15006
-A WEFT_OUTPUT -m owner --uid-owner 1337 -j RETURN
-A WEFT_OUTPUT -m owner --gid-owner 1337 -j RETURN
-A WEFT_OUTPUT -d 127.0.0.1/32 -j RETURN
-A WEFT_OUTPUT -p tcp --dport 18000 -j RETURN
-A WEFT_OUTPUT -p tcp --dport 18001 -j RETURN
-A WEFT_OUTPUT -j WEFT_REDIRECT
-A WEFT_REDIRECT -p tcp -j REDIRECT --to-ports 15001
COMMIT
EOF
for port in ${EXCLUDE_INBOUND_PORTS:-}; do
  iptables -t nat -I WEFT_INBOUND 1 -p tcp --dport "$port" -j RETURN
done
iptables-save -t nat
