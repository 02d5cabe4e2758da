[CmdletBinding(SupportsShouldProcess = $true)]
param(
    # Where the rollback script is written (it undoes exactly what this run changed).
    [string]$RollbackPath = (Join-Path $PSScriptRoot ('rollback-{0}.ps1' -f (Get-Date -Format 'yyyyMMdd-HHmmss')))
)
Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'
$script:Rollback = New-Object System.Collections.Generic.List[string]
$script:Changes = 0

# Quotes a value for the rollback script: single quotes (and the Unicode
# quotes PowerShell also accepts) are doubled, nothing else is special.
function ConvertTo-TemperLiteral([string]$Text) {
    "'" + ($Text -replace '[''\u2018\u2019\u201A\u201B]', '$0$0') + "'"
}

function Set-TemperRegistryValue {
    [CmdletBinding(SupportsShouldProcess = $true)]
    param([string]$Path, [string]$Name, [string]$Type, $Value, [string]$Rule)
    # Get-Item works on keys with no values, where Get-ItemProperty returns nothing.
    $key = Get-Item -LiteralPath $Path -ErrorAction SilentlyContinue
    $hasValue = ($null -ne $key) -and ($key.GetValueNames() -contains $Name)
    if ($hasValue -and "$($key.GetValue($Name))" -eq "$Value") {
        Write-Verbose "${Rule}: $Path\$Name is already $Value"
        return
    }
    if ($PSCmdlet.ShouldProcess("$Path\$Name", "set to $Value ($Rule)")) {
        if ($null -eq $key) {
            New-Item -Path $Path -Force | Out-Null
            $script:Rollback.Add("Remove-Item -LiteralPath $(ConvertTo-TemperLiteral $Path) -Recurse -Force  # created by $Rule")
        } elseif (-not $hasValue) {
            $script:Rollback.Add("Remove-ItemProperty -LiteralPath $(ConvertTo-TemperLiteral $Path) -Name $(ConvertTo-TemperLiteral $Name)  # $Rule")
        } else {
            $kind = $key.GetValueKind($Name)
            $old = [string]$key.GetValue($Name)
            $script:Rollback.Add("New-ItemProperty -LiteralPath $(ConvertTo-TemperLiteral $Path) -Name $(ConvertTo-TemperLiteral $Name) -PropertyType $kind -Value $(ConvertTo-TemperLiteral $old) -Force | Out-Null  # $Rule")
        }
        New-ItemProperty -LiteralPath $Path -Name $Name -PropertyType $Type -Value $Value -Force | Out-Null
        $script:Changes++
    }
}

function Disable-TemperFeature {
    [CmdletBinding(SupportsShouldProcess = $true)]
    param([string]$ServerFeature, [string]$ClientFeature, [string]$Rule)
    if (Get-Command Get-WindowsFeature -ErrorAction SilentlyContinue) {
        $feature = Get-WindowsFeature -Name $ServerFeature
        if ($null -eq $feature -or -not $feature.Installed) { Write-Verbose "${Rule}: $ServerFeature is not installed"; return }
        if ($PSCmdlet.ShouldProcess($ServerFeature, "uninstall Windows feature ($Rule)")) {
            Uninstall-WindowsFeature -Name $ServerFeature | Out-Null
            $script:Rollback.Add("Install-WindowsFeature -Name $(ConvertTo-TemperLiteral $ServerFeature) | Out-Null  # $Rule")
            $script:Changes++
        }
    } else {
        $feature = Get-WindowsOptionalFeature -Online -FeatureName $ClientFeature
        if ($null -eq $feature -or $feature.State -ne 'Enabled') { Write-Verbose "${Rule}: $ClientFeature is not enabled"; return }
        if ($PSCmdlet.ShouldProcess($ClientFeature, "disable optional feature ($Rule)")) {
            Disable-WindowsOptionalFeature -Online -FeatureName $ClientFeature -NoRestart | Out-Null
            $script:Rollback.Add("Enable-WindowsOptionalFeature -Online -FeatureName $(ConvertTo-TemperLiteral $ClientFeature) -NoRestart | Out-Null  # $Rule")
            $script:Changes++
        }
    }
}

function Set-TemperSmbServerSetting {
    [CmdletBinding(SupportsShouldProcess = $true)]
    param([string]$Parameter, [string]$Value, [string]$Rule)
    $config = Get-SmbServerConfiguration
    if (-not ($config.PSObject.Properties.Name -contains $Parameter)) {
        Write-Warning "${Rule}: this Windows has no SMB server setting $Parameter (it needs Windows Server 2025 or later); not applied"
        return
    }
    $old = [string]$config.$Parameter
    if ($old -eq $Value) { Write-Verbose "${Rule}: $Parameter is already $Value"; return }
    if ($PSCmdlet.ShouldProcess("SMB server $Parameter", "set to $Value ($Rule)")) {
        $settings = @{ $Parameter = $Value; Force = $true; Confirm = $false }
        Set-SmbServerConfiguration @settings
        $script:Rollback.Add("Set-SmbServerConfiguration -$Parameter $(ConvertTo-TemperLiteral $old) -Force -Confirm:`$false  # $Rule")
        $script:Changes++
    }
}

function Remove-TemperSmbShare {
    [CmdletBinding(SupportsShouldProcess = $true)]
    param([string]$Name, [string]$Rule)
    $share = Get-SmbShare -Name $Name -ErrorAction SilentlyContinue
    if ($null -eq $share) { Write-Verbose "${Rule}: share $Name does not exist"; return }
    if ($PSCmdlet.ShouldProcess("share $Name ($($share.Path))", "remove ($Rule)")) {
        $grants = @(Get-SmbShareAccess -Name $Name)
        Remove-SmbShare -Name $Name -Force
        # Rollback recreates the share with its path, description, scope,
        # encryption, access-based enumeration, caching, user limit and grants.
        $restore = "New-SmbShare -Name $(ConvertTo-TemperLiteral $share.Name) -Path $(ConvertTo-TemperLiteral $share.Path)" +
            " -Description $(ConvertTo-TemperLiteral $share.Description) -ScopeName $(ConvertTo-TemperLiteral $share.ScopeName)" +
            " -EncryptData:`$$([bool]$share.EncryptData) -FolderEnumerationMode $(ConvertTo-TemperLiteral ([string]$share.FolderEnumerationMode))" +
            " -CachingMode $(ConvertTo-TemperLiteral ([string]$share.CachingMode)) -ConcurrentUserLimit $([uint32]$share.ConcurrentUserLimit) | Out-Null" +
            "; Revoke-SmbShareAccess -Name $(ConvertTo-TemperLiteral $share.Name) -AccountName 'Everyone' -Force | Out-Null"
        foreach ($grant in $grants) {
            $cmd = if ($grant.AccessControlType -eq 'Allow') { 'Grant-SmbShareAccess' } else { 'Block-SmbShareAccess' }
            $right = if ($cmd -eq 'Grant-SmbShareAccess') { " -AccessRight $($grant.AccessRight)" } else { '' }
            $restore += "; $cmd -Name $(ConvertTo-TemperLiteral $share.Name) -AccountName $(ConvertTo-TemperLiteral $grant.AccountName)$right -Force | Out-Null"
        }
        $script:Rollback.Add("$restore  # $Rule")
        $script:Changes++
    }
}

function Disable-TemperService {
    [CmdletBinding(SupportsShouldProcess = $true)]
    param([string]$Name, [string]$Rule)
    $service = Get-Service -Name $Name -ErrorAction SilentlyContinue
    if ($null -eq $service) { Write-Verbose "${Rule}: service $Name does not exist"; return }
    if ([string]$service.StartType -eq 'Disabled' -and [string]$service.Status -eq 'Stopped') {
        Write-Verbose "${Rule}: service $Name is already disabled and stopped"
        return
    }
    if ($PSCmdlet.ShouldProcess("service $Name", "stop and disable ($Rule)")) {
        # The rollback runs newest first: the startup type comes back before the start.
        if ([string]$service.Status -eq 'Running') {
            $script:Rollback.Add("Start-Service -Name $(ConvertTo-TemperLiteral $Name)  # $Rule")
        }
        $script:Rollback.Add("Set-Service -Name $(ConvertTo-TemperLiteral $Name) -StartupType $([string]$service.StartType)  # $Rule")
        Set-Service -Name $Name -StartupType Disabled
        Stop-Service -Name $Name -Force -ErrorAction SilentlyContinue
        $script:Changes++
    }
}

function Disable-TemperLocalUser {
    [CmdletBinding(SupportsShouldProcess = $true)]
    param([string]$Name, [string]$Rule)
    $user = Get-LocalUser -Name $Name -ErrorAction SilentlyContinue
    if ($null -eq $user) { Write-Verbose "${Rule}: no local account $Name"; return }
    if (-not $user.Enabled) { Write-Verbose "${Rule}: $Name is already disabled"; return }
    if ($PSCmdlet.ShouldProcess("local account $Name", "disable ($Rule)")) {
        Disable-LocalUser -Name $Name
        $script:Rollback.Add("Enable-LocalUser -Name $(ConvertTo-TemperLiteral $Name)  # $Rule")
        $script:Changes++
    }
}

function Set-TemperFirewallInbound {
    [CmdletBinding(SupportsShouldProcess = $true)]
    param([string[]]$Allow, [string]$Rule)
    # Allow rules first, then block by default: no moment without the allowed ports.
    foreach ($member in $Allow) {
        $transport, $port = $member -split '/'
        $name = "Temper allow $member"
        if (Get-NetFirewallRule -Name $name -ErrorAction SilentlyContinue) { Write-Verbose "${Rule}: $name exists"; continue }
        if ($PSCmdlet.ShouldProcess("Windows Firewall", "allow inbound $member ($Rule)")) {
            New-NetFirewallRule -Name $name -DisplayName $name -Group 'Temper' -Direction Inbound -Action Allow `
                -Protocol $transport.ToUpperInvariant() -LocalPort $port -Profile Any | Out-Null
            $script:Rollback.Add("Remove-NetFirewallRule -Name $(ConvertTo-TemperLiteral $name)  # $Rule")
            $script:Changes++
        }
    }
    foreach ($profile in @(Get-NetFirewallProfile)) {
        if ([string]$profile.Enabled -eq 'True' -and [string]$profile.DefaultInboundAction -eq 'Block') { continue }
        if ($PSCmdlet.ShouldProcess("Windows Firewall profile $($profile.Name)", "enable, block inbound by default ($Rule)")) {
            $script:Rollback.Add("Set-NetFirewallProfile -Name $(ConvertTo-TemperLiteral $profile.Name) -Enabled $([string]$profile.Enabled) -DefaultInboundAction $([string]$profile.DefaultInboundAction)  # $Rule")
            Set-NetFirewallProfile -Name $profile.Name -Enabled True -DefaultInboundAction Block
            $script:Changes++
        }
    }
}

# Everything below runs inside try/finally, so the rollback script is written
# for the changes made so far even when a later step fails.
try {
