#!/bin/sh
# One-shot service of docker-compose.yaml: creates weft's development CA in /state (shared with
# `weft serve`) and writes each pod's Envoy bootstrap and bootstrap certificate to /bootstrap/<pod>/.
# Pod IPs and labels match registry.yaml; interception is iptables (redirect.sh).
set -e
boot() { # <pod> <service account> <ip> <labels>
  node /opt/weft/bin/weft.js bootstrap --state-dir /state --trust-domain cluster.local \
    --node-id "$1" --namespace default --service-account "$2" --instance-ips "$3" --labels "$4" \
    --interception iptables --xds-address weft:18000 --out "/bootstrap/$1"
}
boot productpage-v1 productpage 172.31.89.11 app=productpage,version=v1
boot reviews-v1 reviews 172.31.89.21 app=reviews,version=v1
boot reviews-v2 reviews 172.31.89.22 app=reviews,version=v2
boot reviews-v3 reviews 172.31.89.23 app=reviews,version=v3
boot ratings-v1 ratings 172.31.89.31 app=ratings,version=v1
boot details-v1 details 172.31.89.41 app=details,version=v1
# Envoy runs as 1337 and weft as 1000; the files are 0600.
chown -R 1337:1337 /bootstrap
chown -R 1000:1000 /state
