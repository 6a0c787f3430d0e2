<#
.SYNOPSIS
    Cleans a Windows image before Packer shuts it down: temporary files, answer files, the component
    store (DISM) and the event logs. Run it as the last provisioning step, elevated.

.DESCRIPTION
    Besides cleaning, it schedules the removal of the build-only WinRM settings made by
    enable-winrm.ps1 (Basic authentication, unencrypted traffic, the "any profile" firewall rule for
    TCP 5985, LocalAccountTokenFilterPolicy): a one-shot scheduled task does it at the next start of
    the machine, i.e. on the first boot of a VM made from the image, because changing them now would
    cut off Packer's own WinRM connection. Do not restart the VM after this script during the build,
    or set HYBRIDC_KEEP_BUILD_WINRM=true to keep the build settings in the image.
#>
[CmdletBinding()]
param()

$ErrorActionPreference = 'Stop'

function Clear-Folder {
    # Empties a folder, best effort (files in use stay). Packer's own files (packer-*, script-*) are
    # kept: the running provisioner still needs them.
    param(
        [Parameter(Mandatory = $true)]
        [string] $Path
    )
    if (Test-Path -LiteralPath $Path) {
        Get-ChildItem -LiteralPath $Path -Force -ErrorAction SilentlyContinue |
            Where-Object { $_.Name -notlike 'packer-*' -and $_.Name -notlike 'script-*' } |
            Remove-Item -Recurse -Force -ErrorAction SilentlyContinue
    }
}

# 1. Revert the build-only WinRM settings at the next start.
$taskName = 'hybridc-winrm-lockdown'
if ($env:HYBRIDC_KEEP_BUILD_WINRM -eq 'true') {
    Write-Output 'HYBRIDC_KEEP_BUILD_WINRM=true: the build WinRM settings stay in the image.'
}
else {
    $lockdownDir = Join-Path $env:ProgramData 'hybridc'
    $lockdownScript = Join-Path $lockdownDir 'winrm-lockdown.ps1'
    New-Item -ItemType Directory -Path $lockdownDir -Force | Out-Null
    @'
# Written by cleanup.ps1: removes the WinRM settings that only the image build needed, then itself.
$ErrorActionPreference = 'Continue'
Set-Item -Path WSMan:\localhost\Service\AllowUnencrypted -Value $false
Set-Item -Path WSMan:\localhost\Service\Auth\Basic -Value $false
Remove-NetFirewallRule -Name 'hybridc-winrm-http-in' -ErrorAction SilentlyContinue
Remove-ItemProperty -Path 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System' -Name LocalAccountTokenFilterPolicy -ErrorAction SilentlyContinue
Unregister-ScheduledTask -TaskName 'hybridc-winrm-lockdown' -Confirm:$false -ErrorAction SilentlyContinue
Remove-Item -LiteralPath $PSCommandPath -Force -ErrorAction SilentlyContinue
'@ | Set-Content -LiteralPath $lockdownScript -Encoding UTF8

    $powershell = Join-Path $env:SystemRoot 'System32\WindowsPowerShell\v1.0\powershell.exe'
    $action = New-ScheduledTaskAction -Execute $powershell -Argument "-NoProfile -ExecutionPolicy Bypass -File `"$lockdownScript`""
    $trigger = New-ScheduledTaskTrigger -AtStartup
    $principal = New-ScheduledTaskPrincipal -UserId 'SYSTEM' -LogonType ServiceAccount -RunLevel Highest
    Register-ScheduledTask -TaskName $taskName -Action $action -Trigger $trigger -Principal $principal -Force | Out-Null
    Write-Output "Scheduled task '$taskName' will remove the build WinRM settings at the next start."
}

# 2. Temporary files, Windows Update downloads and cached answer files.
Write-Output 'Removing temporary files'
Clear-Folder -Path $env:TEMP
Clear-Folder -Path (Join-Path $env:SystemRoot 'Temp')

Write-Output 'Removing the Windows Update download cache'
Stop-Service -Name wuauserv -Force -ErrorAction SilentlyContinue
Clear-Folder -Path (Join-Path $env:SystemRoot 'SoftwareDistribution\Download')
Start-Service -Name wuauserv -ErrorAction SilentlyContinue

Write-Output 'Removing cached answer files'
foreach ($answerFile in @('Panther\unattend.xml', 'Panther\Unattend\unattend.xml', 'Panther\autounattend.xml')) {
    Remove-Item -LiteralPath (Join-Path $env:SystemRoot $answerFile) -Force -ErrorAction SilentlyContinue
}

# 3. Component store.
Write-Output 'Cleaning up the component store (DISM /StartComponentCleanup /ResetBase)'
& (Join-Path $env:SystemRoot 'System32\Dism.exe') /Online /Cleanup-Image /StartComponentCleanup /ResetBase /NoRestart
if ($LASTEXITCODE -notin @(0, 3010)) {
    # Typically 0x800F0806: servicing operations wait for a restart. The image is still fine.
    Write-Warning "DISM component cleanup exited with code $LASTEXITCODE; continuing."
}

# 4. Tell the storage that the freed blocks are unused (thin disks on Proxmox and vSphere).
try {
    Optimize-Volume -DriveLetter C -ReTrim -ErrorAction Stop
}
catch {
    Write-Output "Volume retrim not done: $($_.Exception.Message)"
}

# 5. Event logs, last so that they stay empty.
# Some logs (analytic, debug) cannot be cleared: ignore those errors.
Write-Output 'Clearing the event logs'
$ErrorActionPreference = 'Continue'
foreach ($log in (& wevtutil.exe enum-logs)) {
    & wevtutil.exe clear-log "$log" 2>$null | Out-Null
}

Write-Output 'Cleanup done.'
exit 0
