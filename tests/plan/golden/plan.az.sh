#!/usr/bin/env bash
# az CLI equivalent of this acrtui plan, in order. Review before running.
set -euo pipefail

# WARNING: openpremium: A private endpoint turns on dedicated data endpoints: clients behind a firewall must allow openpremium.eastus.data.azurecr.io on 443 or pulls break.
# Remove policy assignment deny-admin
az policy assignment delete --name deny-admin --scope /subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-reg

# Create private endpoint pe-open for openpremium in subnet snet-pe (auto-approved; turns on dedicated data endpoints)
az network private-endpoint create --resource-group rg-net --name pe-open --location eastus --subnet /subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-hub/subnets/snet-pe --private-connection-resource-id /subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-reg/providers/Microsoft.ContainerRegistry/registries/openpremium --group-id registry --connection-name pe-open-conn

# Link VNet vnet-spoke to zone privatelink.azurecr.io (so it resolves private IPs)
az network private-dns link vnet create --resource-group rg-net --zone-name privatelink.azurecr.io --name link-vnet-spoke --virtual-network /subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-spoke --registration-enabled false

# Let private endpoint pe-open manage its A records in privatelink.azurecr.io
az network private-endpoint dns-zone-group create --resource-group rg-net --endpoint-name pe-open --name default --private-dns-zone /subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-net/providers/Microsoft.Network/privateDnsZones/privatelink.azurecr.io --zone-name privatelink-azurecr-io

# Set the firewall of openpremium: default action Deny; allow 203.0.113.7
az acr update --name openpremium --resource-group rg-reg --subscription 11111111-1111-1111-1111-111111111111 --default-action Deny
az acr network-rule add --name openpremium --resource-group rg-reg --subscription 11111111-1111-1111-1111-111111111111 --ip-address 203.0.113.7

# Disable public network access on openpremium
az acr update --name openpremium --resource-group rg-reg --subscription 11111111-1111-1111-1111-111111111111 --public-network-enabled false

# Assign policy 5b9159ae-1701-4a6f-9a7a-aa9c8ddd0580 with effect Audit at /subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-reg
az policy assignment create --name audit-cmk --scope /subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-reg --policy /providers/Microsoft.Authorization/policyDefinitions/5b9159ae-1701-4a6f-9a7a-aa9c8ddd0580 --enforcement-mode Default --params '{"effect": {"value": "Audit"}}'
