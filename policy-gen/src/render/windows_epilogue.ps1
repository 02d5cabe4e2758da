}
finally {
    if ($script:Changes -gt 0 -and -not $WhatIfPreference) {
        $lines = @(
            '#Requires -RunAsAdministrator',
            "# Rollback of the Temper policy for this host, written $(Get-Date -Format o).",
            '# Undoes, newest first, exactly the changes that run made.',
            '$ErrorActionPreference = ''Stop'''
        )
        $undo = $script:Rollback.ToArray()
        [array]::Reverse($undo)
        # Windows PowerShell 5.1 reads BOM-less files as ANSI: always write a BOM.
        $encoding = if ($PSVersionTable.PSVersion.Major -ge 6) { 'utf8BOM' } else { 'UTF8' }
        Set-Content -LiteralPath $RollbackPath -Value ($lines + $undo) -Encoding $encoding
        Write-Host "Rollback script: $RollbackPath"
    }
}
Write-Host "$($script:Changes) change(s) made. SMB1, SCHANNEL and feature changes take effect after a restart."
