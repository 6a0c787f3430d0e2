<#
.SYNOPSIS
    Cleans a Windows image before it is generalised (Sysprep) and shut down: build credentials,
    temporary files, answer files, the component store (DISM) and the event logs. Run it as the
    last provisioning step before Sysprep, elevated, as the build user.

.DESCRIPTION
    Build credentials. The answer file (autounattend.xml) creates the build user and gives it and the
    built-in Administrator the build password. This script
      - turns off the one-time auto-logon and removes its stored password (enable-winrm.ps1 already
        did; doing it again changes nothing);
      - gives the built-in Administrator (relative ID 500) a random password that is not kept
        anywhere, and disables it. Whether Sysprep /generalize /oobe makes Windows Server ask for a
        new Administrator password on the first boot of a clone could not be confirmed from
        Microsoft's documentation (VMware's guest customization documentation even says that the
        template's Administrator password must be blank for Sysprep to set a new one), so the build
        password must not stay on that account. Skipped when the Administrator is the account that
        runs this script (on Azure the VM's admin account is the renamed built-in Administrator,
        and the Azure agent sets it up anew on every VM made from the image);
      - makes the first start of a VM made from the image remove the build user (the user that runs
        this script, $env:USERNAME) and its profile. The built-in Administrator and other built-in
        accounts (relative ID below 1000) are never removed: the script says so and keeps them.

    Build WinRM settings. The settings that enable-winrm.ps1 made for Packer (Basic authentication,
    unencrypted traffic, the "any profile" firewall rule for TCP 5985, LocalAccountTokenFilterPolicy)
    are removed at the same first start.

    Both happen in a one-shot scheduled task (hybridc-winrm-lockdown, run as SYSTEM at the next start
    of the machine, i.e. on the first boot of a VM made from the image), because doing it now would
    cut off Packer's own WinRM connection, which logs on as the build user. Do not restart the VM
    after this script during the build. The task logs to %SystemRoot%\Temp\hybridc-lockdown.log.

    Switches (environment variables of the provisioner, e.g. environment_vars in Packer):
      HYBRIDC_KEEP_BUILD_WINRM=true  keep the build WinRM settings in the image
      HYBRIDC_KEEP_BUILD_USER=true   keep the build user, with its password and profile, in the image
    The built-in Administrator gets its random password and is disabled whatever the switches say
    (unless it is the account running this script, see above).
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

function Get-RandomPassword {
    # 32 characters drawn uniformly from 64 (192 bits) by the system's cryptographic generator, then
    # one upper-case letter, lower-case letter, digit and symbol for any complexity policy. Built as
    # a SecureString: the password exists nowhere as plain text and is never printed.
    $alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    $bytes = New-Object -TypeName 'byte[]' -ArgumentList 32
    $generator = [System.Security.Cryptography.RandomNumberGenerator]::Create()
    try {
        $generator.GetBytes($bytes)
    }
    finally {
        $generator.Dispose()
    }
    $password = New-Object -TypeName System.Security.SecureString
    foreach ($byte in $bytes) {
        # 256 is a multiple of 64: every character is equally likely.
        $password.AppendChar($alphabet[$byte % $alphabet.Length])
    }
    foreach ($character in [char[]] 'Qq7!') {
        $password.AppendChar($character)
    }
    $password.MakeReadOnly()
    return $password
}

# The rule for which accounts may be removed, as text: cleanup.ps1 applies it now and writes it into
# the lockdown script, which applies it again when it runs (the account may have changed by then).
$removalRuleSource = @'
function Get-RemovalRefusal {
    # Why the local account $Name must not be removed, or $null when it may be. Never 'Administrator',
    # never a built-in account (relative ID below 1000: Administrator 500, Guest 501,
    # DefaultAccount 503, WDAGUtilityAccount 504), never an account that is not a local user.
    param(
        [Parameter(Mandatory = $true)]
        [string] $Name
    )
    if ($Name -eq 'Administrator') {
        return "'Administrator' is never removed"
    }
    $account = Get-LocalUser -Name $Name -ErrorAction SilentlyContinue
    if (-not $account) {
        return "'$Name' is not a local user of this machine"
    }
    $relativeId = [int64] ($account.SID.Value -split '-')[-1]
    if ($relativeId -lt 1000) {
        return "'$Name' is a built-in account ($($account.SID.Value))"
    }
    return $null
}
'@
. ([scriptblock]::Create($removalRuleSource))

$buildUser = $env:USERNAME
$currentSid = [System.Security.Principal.WindowsIdentity]::GetCurrent().User.Value

# 1. The one-time auto-logon: off, and its stored password gone.
Write-Output 'Turning off the auto-logon'
$winlogon = 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon'
Set-ItemProperty -Path $winlogon -Name AutoAdminLogon -Value '0'
Set-ItemProperty -Path $winlogon -Name AutoLogonCount -Value 0 -Type DWord
Remove-ItemProperty -Path $winlogon -Name DefaultPassword -ErrorAction SilentlyContinue

# 2. The built-in Administrator: a random password nobody knows, and disabled.
$administrator = Get-LocalUser | Where-Object { $_.SID.Value -like 'S-1-5-21-*-500' }
if (-not $administrator) {
    Write-Warning 'No built-in Administrator account (relative ID 500) found; nothing to lock.'
}
elseif ($administrator.SID.Value -eq $currentSid) {
    Write-Output "The built-in Administrator '$($administrator.Name)' runs this script (as on Azure): its password stays, Packer still needs it."
}
else {
    Write-Output "Giving the built-in Administrator '$($administrator.Name)' a random password and disabling it"
    Set-LocalUser -InputObject $administrator -Password (Get-RandomPassword)
    Disable-LocalUser -InputObject $administrator
}

# 3. At the next start: remove the build WinRM settings and the build user.
$taskName = 'hybridc-winrm-lockdown'
$keepWinrm = $env:HYBRIDC_KEEP_BUILD_WINRM -eq 'true'
$removeUser = $false
if ($keepWinrm) {
    Write-Output 'HYBRIDC_KEEP_BUILD_WINRM=true: the build WinRM settings stay in the image.'
}
if ($env:HYBRIDC_KEEP_BUILD_USER -eq 'true') {
    Write-Output "HYBRIDC_KEEP_BUILD_USER=true: the build user '$buildUser' stays in the image."
}
else {
    $refusal = Get-RemovalRefusal -Name $buildUser
    if ($refusal) {
        Write-Warning "Refusing to schedule the removal of the build user: $refusal. It stays in the image."
    }
    else {
        $removeUser = $true
    }
}

if ($keepWinrm -and -not $removeUser) {
    Unregister-ScheduledTask -TaskName $taskName -Confirm:$false -ErrorAction SilentlyContinue
}
else {
    $lockdown = New-Object -TypeName 'System.Collections.Generic.List[string]'
    $lockdown.Add(@'
# Written by cleanup.ps1 at image build time. Runs once, as SYSTEM, at the first start of a VM made
# from the image; then removes its scheduled task and itself.
$ErrorActionPreference = 'Continue'
Start-Transcript -Path (Join-Path $env:SystemRoot 'Temp\hybridc-lockdown.log') -Append | Out-Null
'@)
    if (-not $keepWinrm) {
        $lockdown.Add(@'
# The WinRM settings that only the image build needed.
Set-Item -Path WSMan:\localhost\Service\AllowUnencrypted -Value $false
Set-Item -Path WSMan:\localhost\Service\Auth\Basic -Value $false
Remove-NetFirewallRule -Name 'hybridc-winrm-http-in' -ErrorAction SilentlyContinue
Remove-ItemProperty -Path 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System' -Name LocalAccountTokenFilterPolicy -ErrorAction SilentlyContinue
'@)
    }
    if ($removeUser) {
        $quotedUser = [System.Management.Automation.Language.CodeGeneration]::EscapeSingleQuotedStringContent($buildUser)
        $lockdown.Add($removalRuleSource)
        $lockdown.Add("`$buildUser = '$quotedUser'")
        $lockdown.Add(@'
# The build user and its profile. Sysprep /generalize gives local accounts new SIDs, so the account
# is looked up by name now, not by a SID recorded at build time.
if (-not (Get-LocalUser -Name $buildUser -ErrorAction SilentlyContinue)) {
    Write-Output "The build user '$buildUser' is already gone."
}
else {
    $refusal = Get-RemovalRefusal -Name $buildUser
    if ($refusal) {
        Write-Warning "Refusing to remove the build user: $refusal."
    }
    else {
        $sid = (Get-LocalUser -Name $buildUser).SID.Value
        try {
            $profiles = @(Get-CimInstance -ClassName Win32_UserProfile -Filter "SID = '$sid'" -ErrorAction Stop)
            if ($profiles.Count -eq 0) {
                # Should Sysprep have left the profile under the account's old SID: its folder name.
                $profiles = @(Get-CimInstance -ClassName Win32_UserProfile -ErrorAction Stop |
                        Where-Object { -not $_.Special -and (Split-Path -Path $_.LocalPath -Leaf) -eq $buildUser })
            }
            $profiles | Remove-CimInstance -ErrorAction Stop
            Write-Output "Removed $($profiles.Count) profile(s) of '$buildUser'."
        }
        catch {
            Write-Warning "Could not remove the profile of '$buildUser': $_"
        }
        try {
            Remove-LocalUser -Name $buildUser -ErrorAction Stop
            Write-Output "Removed the build user '$buildUser'."
        }
        catch {
            Write-Warning "Could not remove the build user '$buildUser': $_"
        }
    }
}
'@)
    }
    $lockdown.Add(@"
Unregister-ScheduledTask -TaskName '$taskName' -Confirm:`$false -ErrorAction SilentlyContinue
Stop-Transcript | Out-Null
Remove-Item -LiteralPath `$PSCommandPath -Force -ErrorAction SilentlyContinue
"@)

    $lockdownDir = Join-Path $env:ProgramData 'hybridc'
    $lockdownScript = Join-Path $lockdownDir 'winrm-lockdown.ps1'
    New-Item -ItemType Directory -Path $lockdownDir -Force | Out-Null
    ($lockdown -join "`r`n") | Set-Content -LiteralPath $lockdownScript -Encoding UTF8

    $powershell = Join-Path $env:SystemRoot 'System32\WindowsPowerShell\v1.0\powershell.exe'
    $action = New-ScheduledTaskAction -Execute $powershell -Argument "-NoProfile -ExecutionPolicy Bypass -File `"$lockdownScript`""
    $trigger = New-ScheduledTaskTrigger -AtStartup
    $principal = New-ScheduledTaskPrincipal -UserId 'SYSTEM' -LogonType ServiceAccount -RunLevel Highest
    Register-ScheduledTask -TaskName $taskName -Action $action -Trigger $trigger -Principal $principal -Force | Out-Null
    $what = @()
    if (-not $keepWinrm) {
        $what += 'the build WinRM settings'
    }
    if ($removeUser) {
        $what += "the build user '$buildUser' and its profile"
    }
    Write-Output "Scheduled task '$taskName' will remove $($what -join ' and ') at the next start."
}

# 4. Temporary files, Windows Update downloads and cached answer files.
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

# 5. Component store.
Write-Output 'Cleaning up the component store (DISM /StartComponentCleanup /ResetBase)'
& (Join-Path $env:SystemRoot 'System32\Dism.exe') /Online /Cleanup-Image /StartComponentCleanup /ResetBase /NoRestart
if ($LASTEXITCODE -notin @(0, 3010)) {
    # Typically 0x800F0806: servicing operations wait for a restart. The image is still fine.
    Write-Warning "DISM component cleanup exited with code $LASTEXITCODE; continuing."
}

# 6. Tell the storage that the freed blocks are unused (thin disks on Proxmox and vSphere).
try {
    Optimize-Volume -DriveLetter C -ReTrim -ErrorAction Stop
}
catch {
    Write-Output "Volume retrim not done: $($_.Exception.Message)"
}

# 7. Event logs, last so that they stay empty.
# Some logs (analytic, debug) cannot be cleared: ignore those errors.
Write-Output 'Clearing the event logs'
$ErrorActionPreference = 'Continue'
foreach ($log in (& wevtutil.exe enum-logs)) {
    & wevtutil.exe clear-log "$log" 2>$null | Out-Null
}

Write-Output 'Cleanup done.'
exit 0
