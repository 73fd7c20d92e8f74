# Sourced by the bench scripts. Every node start pays ~250 ms for NODE_EXTRA_CA_CERTS on
# this machine; that would be timed as barge's. npm may need it to reach the registry,
# so npm_ keeps it.
CA_CERTS=${NODE_EXTRA_CA_CERTS:-}
unset NODE_EXTRA_CA_CERTS
npm_() { if [[ -n $CA_CERTS ]]; then NODE_EXTRA_CA_CERTS=$CA_CERTS npm "$@"; else npm "$@"; fi; }
