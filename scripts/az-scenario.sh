#!/usr/bin/env bash
# The issue's must-show scenario with the real Azure CLI against `acrtui emulator --seed empty`, for a person to watch.
# The same steps and checks as tests/emulator/test_azure_cli.py.
#
#   python3 -m venv /tmp/azcli && /tmp/azcli/bin/pip install azure-cli      # once; not a project dependency
#   ACRTUI_AZ_CLI=/tmp/azcli/bin/az scripts/az-scenario.sh
#
# Env: ACRTUI_AZ_CLI (az binary; default: az on PATH), ACRTUI (acrtui binary; default: .venv/bin/acrtui),
#      AZ_TIMEOUT (seconds per az call, default 180).
set -euo pipefail

cd "$(dirname "$0")/.."
AZ_BIN=${ACRTUI_AZ_CLI:-$(command -v az || true)}
ACRTUI=${ACRTUI:-.venv/bin/acrtui}
AZ_TIMEOUT=${AZ_TIMEOUT:-180}
if [[ -z "$AZ_BIN" || ! -x "$AZ_BIN" ]]; then
  echo "Azure CLI not installed; python3 -m venv /tmp/azcli && /tmp/azcli/bin/pip install azure-cli, then ACRTUI_AZ_CLI=/tmp/azcli/bin/az" >&2
  exit 2
fi

work=$(mktemp -d)
emu_pid=""
cleanup() {
  if [[ -n "$emu_pid" ]]; then kill "$emu_pid" 2>/dev/null || true; wait "$emu_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# ---- start the emulator and wait for "ready"
"$ACRTUI" emulator --seed empty --print-az-setup >"$work/emulator.out" 2>&1 &
emu_pid=$!
for _ in $(seq 100); do grep -q '^ready$' "$work/emulator.out" && break; sleep 0.2; done
grep -q '^ready$' "$work/emulator.out" || { cat "$work/emulator.out" >&2; echo "emulator did not start" >&2; exit 1; }

# ---- the setup lines it printed, run as printed ('az' is our function, so ACRTUI_AZ_CLI is honoured)
az() {
  printf '\n\033[1m$ az %s\033[0m\n' "$*" >&2
  timeout "$AZ_TIMEOUT" "$AZ_BIN" "$@" --only-show-errors
}
fails_with() {  # fails_with CODE az-args…: the command must fail with that ARM error code
  local code=$1; shift
  printf '\n\033[1m$ az %s   # must fail: %s\033[0m\n' "$*" "$code" >&2
  local err
  if err=$(timeout "$AZ_TIMEOUT" "$AZ_BIN" "$@" --only-show-errors -o none 2>&1); then
    echo "FAIL: succeeded, expected $code" >&2; exit 1
  fi
  echo "$err" | head -3 >&2
  grep -q "($code)" <<<"$err" || { echo "FAIL: expected $code" >&2; exit 1; }
}
check() {  # check DESCRIPTION ACTUAL EXPECTED
  if [[ "$2" == "$3" ]]; then printf '  \033[32mok\033[0m %s: %s\n' "$1" "$2" >&2
  else printf '  \033[31mFAIL\033[0m %s: got %s, expected %s\n' "$1" "$2" "$3" >&2; exit 1; fi
}

while IFS= read -r line; do
  echo "# $line" >&2
  if [[ "$line" == export\ AZURE_CONFIG_DIR=* ]]; then export AZURE_CONFIG_DIR="$work/azure"; mkdir -p "$AZURE_CONFIG_DIR"
  else eval "$line" >/dev/null; fi
done < <(sed -n 's/^# az: //p' "$work/emulator.out")
RG=rg-empty

# ---- registry
RID=$(az acr create -g $RG -n clireg --sku Premium -l eastus --query id -o tsv)
check "admin user after update" "$(az acr update -n clireg --admin-enabled true --query adminUserEnabled -o tsv)" true
az acr list -o table

# ---- private endpoints: auto approval, then manual approval through the ACR API
az network vnet create -g $RG -n vnet1 -l eastus --address-prefixes 10.0.0.0/16 -o none
az network vnet subnet create -g $RG --vnet-name vnet1 -n auto --address-prefixes 10.0.1.0/24 -o none
az network vnet subnet create -g $RG --vnet-name vnet1 -n manual --address-prefixes 10.0.2.0/29 -o none
PE=(network private-endpoint create -g $RG -l eastus --vnet-name vnet1 --private-connection-resource-id "$RID"
    --group-id registry --connection-name conn -o none)
az "${PE[@]}" -n pe-auto --subnet auto
check "auto connection" "$(az acr show -n clireg --query 'privateEndpointConnections[0].privateLinkServiceConnectionState.status' -o tsv)" Approved
check "data endpoints" "$(az acr show -n clireg --query '[dataEndpointEnabled, join(`,`, dataEndpointHostNames)]' -o tsv | paste -sd' ')" "true clireg.eastus.data.azurecr.io"
az "${PE[@]}" -n pe-manual --subnet manual --manual-request --request-message please
MANUAL=$(az acr private-endpoint-connection list -r clireg --query "[?ends_with(privateEndpoint.id, '/pe-manual')].name" -o tsv)
check "manual connection" "$(az acr private-endpoint-connection show -r clireg -n "$MANUAL" --query privateLinkServiceConnectionState.status -o tsv)" Pending
az acr private-endpoint-connection approve -r clireg -n "$MANUAL" --description ok -o none
check "manual connection, seen from the endpoint" "$(az network private-endpoint show -g $RG -n pe-manual --query 'manualPrivateLinkServiceConnections[0].privateLinkServiceConnectionState.status' -o tsv)" Approved
az acr private-endpoint-connection list -r clireg -o table

# ---- a replica (one more IP in each connected subnet), private DNS and a zone group
az acr replication create -r clireg -l westeurope -o none
az network private-dns zone create -g $RG -n privatelink.azurecr.io -o none
az network private-dns link vnet create -g $RG -z privatelink.azurecr.io -n link1 -v vnet1 -e false -o none
az network private-endpoint dns-zone-group create -g $RG --endpoint-name pe-auto -n default \
  --private-dns-zone privatelink.azurecr.io --zone-name acr -o none
check "A records" "$(az network private-dns record-set a list -g $RG -z privatelink.azurecr.io --query "[].join('=', [name, aRecords[0].ipv4Address])" -o tsv | sort | paste -sd' ')" \
  "clireg.eastus.data=10.0.1.5 clireg.westeurope.data=10.0.1.6 clireg=10.0.1.4"
fails_with SubnetIsFull acr replication create -r clireg -l northeurope
check "replicas after the refusal" "$(az acr replication list -r clireg --query '[].location' -o tsv | paste -sd' ')" westeurope

# ---- customer-managed key at creation (the key via ARM: 'az keyvault key create' is data plane, not emulated);
# the vault's access policy for the signed-in principal and '--spn' are found through Microsoft Graph
az identity create -g $RG -n id-acr -l eastus -o none
APPID=$(az identity show -g $RG -n id-acr --query clientId -o tsv)
VID=$(az keyvault create -g $RG -n kv-acrtui-cli -l eastus --enable-purge-protection true \
  --enable-rbac-authorization false --query id -o tsv)
KEY=$(az rest --method put --url "$VID/keys/cmk?api-version=2026-05-15" \
  --body '{"properties": {"kty": "RSA", "keySize": 2048}}' --query properties.keyUri -o tsv)
fails_with KeyVaultAccessForbidden acr create -g $RG -n clicmknokey --sku Premium -l eastus --identity id-acr --key-encryption-key "$KEY"
az keyvault set-policy -n kv-acrtui-cli --spn "$APPID" --key-permissions get wrapKey unwrapKey -o none
check "CMK" "$(az acr create -g $RG -n clicmk --sku Premium -l eastus --identity id-acr --key-encryption-key "$KEY" --query encryption.status -o tsv)" enabled

# ---- policy: a Deny assignment refuses non-compliant writes; policy states report them
az group create -n rg-policy -l eastus -o none
az acr create -g rg-policy -n clipublic --sku Premium -l eastus -o none
az acr create -g rg-policy -n cliprivate --sku Premium -l eastus --public-network-enabled false -o none
az policy assignment create -n deny-public --display-name "Deny public ACR" -g rg-policy \
  --policy 0fdf0491-d080-4575-b627-ad0e843cba0f --params '{"effect": {"value": "Deny"}}' -o none
fails_with RequestDisallowedByPolicy acr update -n clipublic --admin-enabled true
fails_with RequestDisallowedByPolicy acr update -n cliprivate --public-network-enabled true
check "public access after the refusal" "$(az acr show -n cliprivate --query publicNetworkAccess -o tsv)" Disabled
check "non-compliant" "$(az policy state list -g rg-policy --filter "complianceState eq 'NonCompliant'" --query '[].resourceId' -o tsv | sed 's|.*/||' | paste -sd' ')" clipublic
az policy state summarize -g rg-policy --query 'results' -o json

printf '\n\033[32mAzure CLI scenario: all checks passed\033[0m\n' >&2
