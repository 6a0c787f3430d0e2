<#
.SYNOPSIS
    Installs the guest tools of the virtualization platform.

.DESCRIPTION
    proxmox: VirtIO guest tools and the QEMU guest agent, from the virtio-win CD
             (virtio-win-guest-tools.exe, or virtio-win-gt-x64.msi plus guest-agent\qemu-ga-x86_64.msi).
    vsphere: VMware Tools, from the VMware Tools CD (setup64.exe).
    azure:   nothing (the Azure VM agent comes with the Marketplace image).

    The platform is the -Platform argument, or else the HYBRIDC_PLATFORM environment variable.
    The script runs at the first logon (autounattend.xml), because Packer finds the VM's address through
    these tools, and may run again as a provisioning step: when the tools are already installed it only
    makes sure that their service runs.

.PARAMETER Platform
    proxmox, vsphere or azure. Defaults to $env:HYBRIDC_PLATFORM.
#>
[CmdletBinding()]
param(
    [string] $Platform = $env:HYBRIDC_PLATFORM
)

$ErrorActionPreference = 'Stop'
$logDir = Join-Path $env:SystemRoot 'Temp'
Start-Transcript -Path (Join-Path $logDir 'hybridc-guest-tools.log') -Append | Out-Null

function Find-MediaFile {
    # First file found at one of the relative paths on any file-system drive (CDs included).
    param(
        [Parameter(Mandatory = $true)]
        [string[]] $RelativePath
    )
    foreach ($drive in Get-PSDrive -PSProvider FileSystem) {
        foreach ($relative in $RelativePath) {
            $candidate = Join-Path $drive.Root $relative
            if (Test-Path -LiteralPath $candidate -PathType Leaf) {
                return $candidate
            }
        }
    }
    return $null
}

function Invoke-Installer {
    param(
        [Parameter(Mandatory = $true)]
        [string] $FilePath,
        [Parameter(Mandatory = $true)]
        [string[]] $ArgumentList
    )
    Write-Output "Running $FilePath $($ArgumentList -join ' ')"
    $process = Start-Process -FilePath $FilePath -ArgumentList $ArgumentList -Wait -PassThru
    # 0: success, 1641: success and restart started, 3010: success, restart required.
    if ($process.ExitCode -notin @(0, 1641, 3010)) {
        throw "$FilePath exited with code $($process.ExitCode)"
    }
    if ($process.ExitCode -ne 0) {
        Write-Output "$FilePath asks for a restart (exit code $($process.ExitCode))."
    }
}

function Wait-ServiceRunning {
    param(
        [Parameter(Mandatory = $true)]
        [string] $Name,
        [int] $TimeoutSeconds = 180
    )
    $deadline = (Get-Date).AddSeconds($TimeoutSeconds)
    while ((Get-Date) -lt $deadline) {
        $service = Get-Service -Name $Name -ErrorAction SilentlyContinue
        if ($null -ne $service) {
            if ($service.Status -eq 'Running') {
                return $true
            }
            Start-Service -Name $Name -ErrorAction SilentlyContinue
        }
        Start-Sleep -Seconds 3
    }
    return $false
}

function Install-VirtIOGuestTool {
    if (Get-Service -Name 'QEMU-GA' -ErrorAction SilentlyContinue) {
        Write-Output 'The QEMU guest agent is already installed.'
    }
    else {
        $bundle = Find-MediaFile -RelativePath 'virtio-win-guest-tools.exe'
        if ($bundle) {
            Invoke-Installer -FilePath $bundle -ArgumentList @('/install', '/quiet', '/norestart', '/log', "`"$logDir\virtio-win-guest-tools.log`"")
        }
        else {
            $drivers = Find-MediaFile -RelativePath 'virtio-win-gt-x64.msi'
            $agent = Find-MediaFile -RelativePath 'guest-agent\qemu-ga-x86_64.msi'
            if (-not $drivers -or -not $agent) {
                throw 'The virtio-win CD was not found (looked for virtio-win-guest-tools.exe and virtio-win-gt-x64.msi on every drive).'
            }
            Invoke-Installer -FilePath 'msiexec.exe' -ArgumentList @('/i', "`"$drivers`"", '/qn', '/norestart', 'ADDLOCAL=ALL', '/l*v', "`"$logDir\virtio-win-gt.log`"")
            Invoke-Installer -FilePath 'msiexec.exe' -ArgumentList @('/i', "`"$agent`"", '/qn', '/norestart', '/l*v', "`"$logDir\qemu-ga.log`"")
        }
    }
    Set-Service -Name 'QEMU-GA' -StartupType Automatic
    if (-not (Wait-ServiceRunning -Name 'QEMU-GA')) {
        throw 'The QEMU guest agent service (QEMU-GA) does not run. Is the guest agent enabled in the Proxmox VM options?'
    }
    Write-Output 'The QEMU guest agent runs.'
}

function Install-VMwareTool {
    if (Get-Service -Name 'VMTools' -ErrorAction SilentlyContinue) {
        Write-Output 'VMware Tools are already installed.'
    }
    else {
        $setup = Find-MediaFile -RelativePath 'setup64.exe'
        if (-not $setup) {
            throw 'The VMware Tools CD was not found (looked for setup64.exe on every drive).'
        }
        Invoke-Installer -FilePath $setup -ArgumentList @('/s', '/v', '"/qn REBOOT=R ADDLOCAL=ALL"')
        if (-not (Wait-ServiceRunning -Name 'VMTools')) {
            # The service sometimes fails to register on the first attempt: repair the installation once.
            Write-Output 'The VMware Tools service does not run yet; repairing the installation.'
            Invoke-Installer -FilePath $setup -ArgumentList @('/s', '/v', '"/qn REBOOT=R REINSTALL=ALL REINSTALLMODE=vomus"')
        }
    }
    Set-Service -Name 'VMTools' -StartupType Automatic
    if (-not (Wait-ServiceRunning -Name 'VMTools')) {
        throw 'The VMware Tools service (VMTools) does not run.'
    }
    Write-Output 'VMware Tools run.'
}

try {
    switch ($Platform) {
        'proxmox' { Install-VirtIOGuestTool }
        'vsphere' { Install-VMwareTool }
        'azure' { Write-Output 'Azure: the Azure VM agent comes with the image; nothing to install.' }
        default { throw "Unknown platform '$Platform': pass -Platform or set HYBRIDC_PLATFORM to proxmox, vsphere or azure." }
    }
}
catch {
    Write-Error -Message "guest-tools.ps1 failed: $_" -ErrorAction Continue
    Stop-Transcript | Out-Null
    exit 1
}
Stop-Transcript | Out-Null
exit 0
