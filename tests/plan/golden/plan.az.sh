#!/usr/bin/env bash
# az CLI equivalent of this acrtui plan, in order. Review before running.
# Sign in first (az login) to the cloud the plan was made against.
set -euo pipefail

# WARNING: openpremium: A private endpoint turns on dedicated data endpoints: clients behind a firewall must allow openpremium.eastus.data.azurecr.io on 443 or pulls break.

# Remove policy assignment deny-admin
az policy assignment delete --name deny-admin --scope /subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-reg

# Create private endpoint pe-open for openpremium in subnet snet-pe (auto-approved; turns on dedicated data endpoints)
az network private-endpoint create --name pe-open --resource-group rg-net --subscription 11111111-1111-1111-1111-111111111111 --location eastus --subnet /subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-hub/subnets/snet-pe --private-connection-resource-id /subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-reg/providers/Microsoft.ContainerRegistry/registries/openpremium --group-id registry --connection-name pe-open-conn

# Link VNet vnet-spoke to zone privatelink.azurecr.io (so it resolves private IPs)
az network private-dns link vnet create --zone-name privatelink.azurecr.io --resource-group rg-net --subscription 11111111-1111-1111-1111-111111111111 --name link-vnet-spoke --virtual-network /subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-spoke --registration-enabled false

# Let private endpoint pe-open manage its A records in privatelink.azurecr.io
az network private-endpoint dns-zone-group create --endpoint-name pe-open --resource-group rg-net --subscription 11111111-1111-1111-1111-111111111111 --name default --private-dns-zone /subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-net/providers/Microsoft.Network/privateDnsZones/privatelink.azurecr.io --zone-name privatelink-azurecr-io

# Set the firewall of openpremium: default action Deny; allow 203.0.113.7
az acr update --name openpremium --resource-group rg-reg --subscription 11111111-1111-1111-1111-111111111111 --default-action Deny
az acr network-rule add --name openpremium --resource-group rg-reg --subscription 11111111-1111-1111-1111-111111111111 --ip-address 203.0.113.7

# Disable public network access on openpremium
az resource update --ids /subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-reg/providers/Microsoft.ContainerRegistry/registries/openpremium --set properties.publicNetworkAccess=Disabled

# Assign policy 5b9159ae-1701-4a6f-9a7a-aa9c8ddd0580 with effect Audit at /subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-reg
az policy assignment create --name audit-cmk --scope /subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-reg --policy 5b9159ae-1701-4a6f-9a7a-aa9c8ddd0580 --enforcement-mode Default --params '{"effect": {"value": "Audit"}}'
