#!/bin/sh
# Forms a Redis Cluster of the nodes given as host:port arguments, with REDIS_CLUSTER_REPLICAS replicas per primary
# (default 1; redis-cli makes the first nodes the primaries), then waits until it has settled: every node reports
# cluster_state:ok and sees all the others connected, none failing or in handshake, and every replica has its
# primary's data (master_link_status:up).
# Run by the one-shot `redis-cluster-init` service of docker/compose.yaml (profile `cluster`) and by
# `make stack CLUSTER=1`. Idempotent:
# - a settled cluster: nothing to do;
# - nodes that know others already (nodes.conf kept on their volumes) but have not settled: they may have come back
#   at new addresses (containers recreated), and each still looks for the others at the old ones. Each node meets
#   every other at its current address (a node that meets a known node ID at a new address updates it), then it waits;
# - otherwise: `redis-cli --cluster create … --cluster-replicas N --cluster-yes`, then it waits.
set -eu
[ $# -ge 1 ] || { echo "usage: $0 host:port…" >&2; exit 2; }
replicas=${REDIS_CLUSTER_REPLICAS:-1}
wait_seconds=${REDIS_CLUSTER_WAIT_SECONDS:-60}

cli() { node=$1; shift; redis-cli -h "${node%:*}" -p "${node##*:}" "$@"; }
# One field of CLUSTER INFO; empty when the node does not answer.
field() { cli "$1" cluster info 2>/dev/null | tr -d '\r' | sed -n "s/^$2://p"; }
settled() {
  for node in "$@"; do
    [ "$(field "$node" cluster_state)" = ok ] || return 1
    table=$(cli "$node" cluster nodes 2>/dev/null | tr -d '\r') || return 1
    [ "$(printf '%s\n' "$table" | grep -c .)" -eq $# ] || return 1
    if printf '%s\n' "$table" | grep -Eq 'fail|handshake|noaddr| disconnected'; then return 1; fi
    link=$(cli "$node" info replication 2>/dev/null | tr -d '\r' | sed -n 's/^master_link_status://p')
    if [ -n "$link" ] && [ "$link" != up ]; then return 1; fi
  done
}
# CLUSTER MEET, which `redis-cli --cluster create` sends too, takes an IP address: resolve a service name.
address() {
  ip=$(getent ahostsv4 "${1%:*}" 2>/dev/null | { read -r first _ && echo "$first"; }) || true
  echo "${ip:-${1%:*}}:${1##*:}"
}

if settled "$@"; then
  echo "cluster_state:ok on all $# nodes: already formed"
  exit 0
fi
formed=0
for node in "$@"; do
  known=$(field "$node" cluster_known_nodes)
  if [ "${known:-0}" -gt 1 ]; then formed=1; fi
done
addresses=""
for node in "$@"; do addresses="${addresses:+$addresses }$(address "$node")"; done
if [ "$formed" = 1 ]; then
  echo "the nodes were in a cluster already, which has not settled: each meets the others at their current addresses"
  targets=""
  for target in $addresses; do
    bus=$(cli "$target" config get cluster-port 2>/dev/null | sed -n 2p | tr -d '\r')
    targets="${targets:+$targets }$target@${bus:-0}"  # cluster-port 0: the default, port + 10000
  done
  i=0
  for node in "$@"; do
    i=$((i + 1)) j=0
    for target in $targets; do
      j=$((j + 1))
      if [ "$i" = "$j" ]; then continue; fi
      host=${target%%:*} rest=${target#*:}
      bus=${rest#*@}
      if [ "$bus" = 0 ]; then bus=""; fi
      # shellcheck disable=SC2086  # an empty bus port is left out
      cli "$node" cluster meet "$host" "${rest%@*}" $bus >/dev/null
    done
  done
else
  # shellcheck disable=SC2086  # one argument per node
  redis-cli --cluster create $addresses --cluster-replicas "$replicas" --cluster-yes
fi

tries=$((wait_seconds * 4))
until settled "$@"; do
  tries=$((tries - 1))
  if [ "$tries" -le 0 ]; then
    echo "the cluster has not settled after ${wait_seconds}s:" >&2
    for node in "$@"; do echo "  $node: cluster_state:$(field "$node" cluster_state)" >&2; done
    cli "$1" cluster nodes >&2 || true
    exit 1
  fi
  sleep 0.25
done
replicas_up=0
for node in "$@"; do
  if cli "$node" info replication | grep -q '^master_link_status:up'; then replicas_up=$((replicas_up + 1)); fi
done
echo "cluster_state:ok on all $# nodes, each sees the other $(($# - 1)) connected, $replicas_up replicas in sync"
