<#
.SYNOPSIS
    Enables WinRM over HTTP (port 5985) for the Packer communicator.

.DESCRIPTION
    Runs once at the first logon of the build user (FirstLogonCommands of autounattend.xml), from the
    "cidata" CD. It
      - sets every non-domain network connection profile to Private (WinRM refuses to listen on Public),
      - runs "winrm quickconfig -q",
      - allows Basic authentication and unencrypted traffic (needed by the Packer WinRM communicator
        over HTTP; scripts/windows/cleanup.ps1 arranges for these build-only settings to be reverted
        when a machine made from the image first starts),
      - lets local administrators use WinRM with their full token,
      - opens TCP 5985 in the Windows Firewall,
      - turns off the one-time auto-logon so that the build password is not kept for it.
    It is idempotent: running it again changes nothing.
#>
[CmdletBinding()]
param()

$ErrorActionPreference = 'Stop'
$logFile = Join-Path $env:SystemRoot 'Temp\hybridc-enable-winrm.log'
Start-Transcript -Path $logFile -Append | Out-Null

try {
    # Network profiles: wait (bounded) until Windows has identified the networks, then make them Private.
    $deadline = (Get-Date).AddMinutes(5)
    while ((Get-NetConnectionProfile | Where-Object { $_.Name -like 'Identifying*' }) -and ((Get-Date) -lt $deadline)) {
        Start-Sleep -Seconds 5
    }
    Get-NetConnectionProfile |
        Where-Object { $_.NetworkCategory -ne 'DomainAuthenticated' -and $_.NetworkCategory -ne 'Private' } |
        ForEach-Object {
            Write-Output "Setting network profile '$($_.Name)' (interface $($_.InterfaceAlias)) to Private"
            Set-NetConnectionProfile -InterfaceIndex $_.InterfaceIndex -NetworkCategory Private
        }

    # WinRM service, HTTP listener and firewall exception.
    Write-Output 'Running winrm quickconfig'
    & winrm.cmd quickconfig -q
    if ($LASTEXITCODE -ne 0) {
        throw "winrm quickconfig failed with exit code $LASTEXITCODE"
    }
    Set-Service -Name WinRM -StartupType Automatic

    # Build-only settings for the Packer WinRM communicator (HTTP, Basic authentication).
    Write-Output 'Allowing Basic authentication and unencrypted traffic for the build'
    Set-Item -Path WSMan:\localhost\Service\Auth\Basic -Value $true
    Set-Item -Path WSMan:\localhost\Service\AllowUnencrypted -Value $true
    Set-Item -Path WSMan:\localhost\MaxTimeoutms -Value 1800000
    Set-Item -Path WSMan:\localhost\Shell\MaxMemoryPerShellMB -Value 2048

    # Remote connections by local administrators get their full (non-filtered) token.
    $policyKey = 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System'
    New-ItemProperty -Path $policyKey -Name LocalAccountTokenFilterPolicy -PropertyType DWord -Value 1 -Force | Out-Null

    # Firewall: WinRM over HTTP on every profile (the build network may still be Public on a second NIC).
    $ruleName = 'hybridc-winrm-http-in'
    if (-not (Get-NetFirewallRule -Name $ruleName -ErrorAction SilentlyContinue)) {
        Write-Output 'Opening TCP 5985 in the Windows Firewall'
        New-NetFirewallRule -Name $ruleName -DisplayName 'WinRM HTTP (image build)' -Description 'Created by enable-winrm.ps1 for the image build.' `
            -Direction Inbound -Protocol TCP -LocalPort 5985 -Action Allow -Profile Any | Out-Null
    }
    else {
        Set-NetFirewallRule -Name $ruleName -Enabled True -Action Allow -Profile Any
    }

    Restart-Service -Name WinRM

    # The auto-logon was only needed to run the first-logon commands.
    $winlogon = 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon'
    Set-ItemProperty -Path $winlogon -Name AutoAdminLogon -Value '0'
    Set-ItemProperty -Path $winlogon -Name AutoLogonCount -Value 0 -Type DWord
    Remove-ItemProperty -Path $winlogon -Name DefaultPassword -ErrorAction SilentlyContinue

    Write-Output 'WinRM is enabled on port 5985.'
}
catch {
    Write-Error -Message "enable-winrm.ps1 failed: $_" -ErrorAction Continue
    Stop-Transcript | Out-Null
    exit 1
}
Stop-Transcript | Out-Null
exit 0
