<?xml version="1.0" encoding="utf-8"?>
<!--
  Windows Setup answer file (amd64) of every Windows release, rendered by Packer templatefile().

  Template variables (exactly these; the compiler passes them, in Windows' own vocabulary):
    build_username  the build account: created as a local administrator, logged on once
    build_password  its password (also the Administrator password until cleanup.ps1 replaces it)
    image_name      the /IMAGE/NAME to install from install.wim, e.g. Windows Server 2022 SERVERSTANDARD
    product_key     the edition's product key, or "" for none
    platform        proxmox | vsphere: which driver CD to read
    language        a Windows language tag, e.g. en-US (UILanguage, SystemLocale, UserLocale)
    keyboard        a Windows input profile, e.g. 0409:00000409 (InputLocale), as given
    timezone        a Windows time zone ID, e.g. UTC or W. Europe Standard Time (tzutil /l), as given
    firmware        uefi | bios: the partition layout (see below)
    network         { dhcp = bool, address = "192.0.2.10/24" or "", gateway = "" or IPv4, dns = [IPv4, ...] }
    computer_name   the NetBIOS name of the build VM (at most 15 characters)
    machine         { system_disk = "0", data_disks = [{ device, size_gb }] }: Windows Setup's
                    DiskID of the system disk (the first disk of the first controller on every
                    platform); the data disks after it are left as they are
    release         { name, distribution, version, repositories, drivers } from hybridc's OS
                    catalogue: distribution is windows-server or windows (Windows 10 and 11),
                    drivers the release's folder on the VirtIO driver CD (2k16, 2k19, 2k22,
                    2k25, w10, w11)

  Windows Server and Windows 10/11 read the same file. The client's OOBE is skipped by the same
  settings (HideOnlineAccountScreens and HideLocalAccountScreen: the build account below is a
  local account, never a Microsoft account; ProtectYourPC 3: no recommended settings asked), and
  enable-winrm.ps1 makes the network Private on both, since a client's first network is Public,
  where WinRM does not listen. Only Server Manager's settings are Server's alone. Windows 11's
  TPM 2.0 and Secure Boot are the VM's own (a vTPM and UEFI with Microsoft's keys on every
  platform), so the file has no setup bypass for them.
  Every value is XML-escaped where it lands. The network values must be IPv4 literals (and the
  address a prefix length after "/"): the template fails to render otherwise, so nothing else can
  reach the PowerShell command line that sets them.

  The rendered file sits on a CD labelled "cidata" together with the files of scripts/windows/, at
  the ROOT of that CD (cd_files = [".../scripts/windows/*"]: Packer copies globbed files to the CD
  root). The first-logon commands look for the scripts at the root of every drive first, then
  under windows\ and scripts\windows\ (older layouts).

  Partitions of the system disk (machine.system_disk, disk 0), wiped:
    uefi: GPT, EFI system partition 100 MB FAT32, MSR 16 MB, Windows NTFS on the rest (InstallTo 3).
          Microsoft Learn, "Sample: Configure UEFI/GPT-Based Hard Drive Partitions by Using Windows
          Setup" (https://learn.microsoft.com/previous-versions/windows/it-pro/windows-8.1-and-8/hh825702(v=win.10))
          and "UEFI/GPT-based hard drive partitions"
          (https://learn.microsoft.com/windows-hardware/manufacture/desktop/configure-uefigpt-based-hard-drive-partitions).
    bios: MBR, "System Reserved" primary 500 MB NTFS marked active (the boot files), Windows primary
          NTFS on the rest (InstallTo 2). Microsoft Learn, "Sample: Configure BIOS/MBR-Based Hard
          Drive Partitions by Using Windows Setup"
          (https://learn.microsoft.com/previous-versions/windows/it-pro/windows-8.1-and-8/hh825701(v=win.10))
          and "BIOS/MBR-based hard drive partitions"
          (https://learn.microsoft.com/windows-hardware/manufacture/desktop/configure-biosmbr-based-hard-drive-partitions).
  Neither layout has the separate Windows RE (Recovery) partition that Microsoft's recommended
  layouts add: it has not been tried here on either firmware, so it is left out until it can be
  (after a build, `reagentc /info` shows where Setup put WinRE).

  Static network (network.dhcp = false): a first-logon command, after the guest tools (which bring
  the vmxnet3 driver on vSphere) and before WinRM, sets the address, gateway and DNS servers on the
  first adapter that is Up and turns DHCP off on it. With DHCP there is no such command.
-->
<unattend xmlns="urn:schemas-microsoft-com:unattend">
  <settings pass="windowsPE">
    <component name="Microsoft-Windows-International-Core-WinPE" processorArchitecture="amd64" publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS" xmlns:wcm="http://schemas.microsoft.com/WMIConfig/2002/State" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
      <SetupUILanguage>
        <UILanguage>${replace(replace(replace(language, "&", "&amp;"), "<", "&lt;"), ">", "&gt;")}</UILanguage>
      </SetupUILanguage>
      <InputLocale>${replace(replace(replace(keyboard, "&", "&amp;"), "<", "&lt;"), ">", "&gt;")}</InputLocale>
      <SystemLocale>${replace(replace(replace(language, "&", "&amp;"), "<", "&lt;"), ">", "&gt;")}</SystemLocale>
      <UILanguage>${replace(replace(replace(language, "&", "&amp;"), "<", "&lt;"), ">", "&gt;")}</UILanguage>
      <UserLocale>${replace(replace(replace(language, "&", "&amp;"), "<", "&lt;"), ">", "&gt;")}</UserLocale>
    </component>
%{ if platform == "proxmox" ~}
    <!-- VirtIO storage and network drivers from the virtio-win CD, whichever letter it got. -->
    <component name="Microsoft-Windows-PnpCustomizationsWinPE" processorArchitecture="amd64" publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS" xmlns:wcm="http://schemas.microsoft.com/WMIConfig/2002/State" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
      <DriverPaths>
        <PathAndCredentials wcm:action="add" wcm:keyValue="1">
          <Path>E:\viostor\${release.drivers}\amd64</Path>
        </PathAndCredentials>
        <PathAndCredentials wcm:action="add" wcm:keyValue="2">
          <Path>E:\vioscsi\${release.drivers}\amd64</Path>
        </PathAndCredentials>
        <PathAndCredentials wcm:action="add" wcm:keyValue="3">
          <Path>E:\NetKVM\${release.drivers}\amd64</Path>
        </PathAndCredentials>
        <PathAndCredentials wcm:action="add" wcm:keyValue="4">
          <Path>F:\viostor\${release.drivers}\amd64</Path>
        </PathAndCredentials>
        <PathAndCredentials wcm:action="add" wcm:keyValue="5">
          <Path>F:\vioscsi\${release.drivers}\amd64</Path>
        </PathAndCredentials>
        <PathAndCredentials wcm:action="add" wcm:keyValue="6">
          <Path>F:\NetKVM\${release.drivers}\amd64</Path>
        </PathAndCredentials>
        <PathAndCredentials wcm:action="add" wcm:keyValue="7">
          <Path>G:\viostor\${release.drivers}\amd64</Path>
        </PathAndCredentials>
        <PathAndCredentials wcm:action="add" wcm:keyValue="8">
          <Path>G:\vioscsi\${release.drivers}\amd64</Path>
        </PathAndCredentials>
        <PathAndCredentials wcm:action="add" wcm:keyValue="9">
          <Path>G:\NetKVM\${release.drivers}\amd64</Path>
        </PathAndCredentials>
        <PathAndCredentials wcm:action="add" wcm:keyValue="10">
          <Path>H:\viostor\${release.drivers}\amd64</Path>
        </PathAndCredentials>
        <PathAndCredentials wcm:action="add" wcm:keyValue="11">
          <Path>H:\vioscsi\${release.drivers}\amd64</Path>
        </PathAndCredentials>
        <PathAndCredentials wcm:action="add" wcm:keyValue="12">
          <Path>H:\NetKVM\${release.drivers}\amd64</Path>
        </PathAndCredentials>
      </DriverPaths>
    </component>
%{ endif ~}
%{ if platform == "vsphere" ~}
    <!-- VMware Paravirtual SCSI driver from the VMware Tools CD, whichever letter it got. -->
    <component name="Microsoft-Windows-PnpCustomizationsWinPE" processorArchitecture="amd64" publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS" xmlns:wcm="http://schemas.microsoft.com/WMIConfig/2002/State" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
      <DriverPaths>
        <PathAndCredentials wcm:action="add" wcm:keyValue="1">
          <Path>E:\Program Files\VMware\VMware Tools\Drivers\pvscsi\Win8\amd64</Path>
        </PathAndCredentials>
        <PathAndCredentials wcm:action="add" wcm:keyValue="2">
          <Path>F:\Program Files\VMware\VMware Tools\Drivers\pvscsi\Win8\amd64</Path>
        </PathAndCredentials>
        <PathAndCredentials wcm:action="add" wcm:keyValue="3">
          <Path>G:\Program Files\VMware\VMware Tools\Drivers\pvscsi\Win8\amd64</Path>
        </PathAndCredentials>
        <PathAndCredentials wcm:action="add" wcm:keyValue="4">
          <Path>H:\Program Files\VMware\VMware Tools\Drivers\pvscsi\Win8\amd64</Path>
        </PathAndCredentials>
      </DriverPaths>
    </component>
%{ endif ~}
    <component name="Microsoft-Windows-Setup" processorArchitecture="amd64" publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS" xmlns:wcm="http://schemas.microsoft.com/WMIConfig/2002/State" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
      <DiskConfiguration>
        <WillShowUI>OnError</WillShowUI>
        <Disk wcm:action="add">
          <DiskID>${machine.system_disk}</DiskID>
          <WillWipeDisk>true</WillWipeDisk>
%{ if firmware == "bios" ~}
          <!-- BIOS: MBR -->
          <CreatePartitions>
            <!-- System Reserved (boot files), marked active below -->
            <CreatePartition wcm:action="add">
              <Order>1</Order>
              <Type>Primary</Type>
              <Size>500</Size>
            </CreatePartition>
            <!-- Windows -->
            <CreatePartition wcm:action="add">
              <Order>2</Order>
              <Type>Primary</Type>
              <Extend>true</Extend>
            </CreatePartition>
          </CreatePartitions>
          <ModifyPartitions>
            <ModifyPartition wcm:action="add">
              <Order>1</Order>
              <PartitionID>1</PartitionID>
              <Format>NTFS</Format>
              <Label>System Reserved</Label>
              <Active>true</Active>
            </ModifyPartition>
            <ModifyPartition wcm:action="add">
              <Order>2</Order>
              <PartitionID>2</PartitionID>
              <Format>NTFS</Format>
              <Label>Windows</Label>
              <Letter>C</Letter>
            </ModifyPartition>
          </ModifyPartitions>
%{ else ~}
          <!-- UEFI: GPT -->
          <CreatePartitions>
            <!-- EFI system partition -->
            <CreatePartition wcm:action="add">
              <Order>1</Order>
              <Type>EFI</Type>
              <Size>100</Size>
            </CreatePartition>
            <!-- Microsoft reserved partition -->
            <CreatePartition wcm:action="add">
              <Order>2</Order>
              <Type>MSR</Type>
              <Size>16</Size>
            </CreatePartition>
            <!-- Windows -->
            <CreatePartition wcm:action="add">
              <Order>3</Order>
              <Type>Primary</Type>
              <Extend>true</Extend>
            </CreatePartition>
          </CreatePartitions>
          <ModifyPartitions>
            <ModifyPartition wcm:action="add">
              <Order>1</Order>
              <PartitionID>1</PartitionID>
              <Format>FAT32</Format>
              <Label>System</Label>
            </ModifyPartition>
            <ModifyPartition wcm:action="add">
              <Order>2</Order>
              <PartitionID>3</PartitionID>
              <Format>NTFS</Format>
              <Label>Windows</Label>
              <Letter>C</Letter>
            </ModifyPartition>
          </ModifyPartitions>
%{ endif ~}
        </Disk>
      </DiskConfiguration>
      <ImageInstall>
        <OSImage>
          <InstallFrom>
            <MetaData wcm:action="add">
              <Key>/IMAGE/NAME</Key>
              <Value>${replace(replace(replace(image_name, "&", "&amp;"), "<", "&lt;"), ">", "&gt;")}</Value>
            </MetaData>
          </InstallFrom>
          <!-- The Windows partition of the layout above. -->
          <InstallTo>
            <DiskID>${machine.system_disk}</DiskID>
            <PartitionID>${firmware == "bios" ? 2 : 3}</PartitionID>
          </InstallTo>
          <WillShowUI>OnError</WillShowUI>
        </OSImage>
      </ImageInstall>
      <UserData>
        <AcceptEula>true</AcceptEula>
        <FullName>${replace(replace(replace(build_username, "&", "&amp;"), "<", "&lt;"), ">", "&gt;")}</FullName>
        <Organization>${replace(replace(replace(build_username, "&", "&amp;"), "<", "&lt;"), ">", "&gt;")}</Organization>
%{ if product_key != "" ~}
        <ProductKey>
          <Key>${replace(replace(replace(product_key, "&", "&amp;"), "<", "&lt;"), ">", "&gt;")}</Key>
          <WillShowUI>OnError</WillShowUI>
        </ProductKey>
%{ endif ~}
      </UserData>
    </component>
  </settings>
  <settings pass="specialize">
    <component name="Microsoft-Windows-Shell-Setup" processorArchitecture="amd64" publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS" xmlns:wcm="http://schemas.microsoft.com/WMIConfig/2002/State" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
      <ComputerName>${replace(replace(replace(computer_name, "&", "&amp;"), "<", "&lt;"), ">", "&gt;")}</ComputerName>
      <TimeZone>${replace(replace(replace(timezone, "&", "&amp;"), "<", "&lt;"), ">", "&gt;")}</TimeZone>
    </component>
%{ if release.distribution != "windows" ~}
    <component name="Microsoft-Windows-ServerManager-SvrMgrNc" processorArchitecture="amd64" publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS" xmlns:wcm="http://schemas.microsoft.com/WMIConfig/2002/State" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
      <DoNotOpenServerManagerAtLogon>true</DoNotOpenServerManagerAtLogon>
    </component>
%{ endif ~}
    <component name="Microsoft-Windows-Security-SPP-UX" processorArchitecture="amd64" publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS" xmlns:wcm="http://schemas.microsoft.com/WMIConfig/2002/State" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
      <SkipAutoActivation>true</SkipAutoActivation>
    </component>
  </settings>
  <settings pass="oobeSystem">
    <component name="Microsoft-Windows-International-Core" processorArchitecture="amd64" publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS" xmlns:wcm="http://schemas.microsoft.com/WMIConfig/2002/State" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
      <InputLocale>${replace(replace(replace(keyboard, "&", "&amp;"), "<", "&lt;"), ">", "&gt;")}</InputLocale>
      <SystemLocale>${replace(replace(replace(language, "&", "&amp;"), "<", "&lt;"), ">", "&gt;")}</SystemLocale>
      <UILanguage>${replace(replace(replace(language, "&", "&amp;"), "<", "&lt;"), ">", "&gt;")}</UILanguage>
      <UserLocale>${replace(replace(replace(language, "&", "&amp;"), "<", "&lt;"), ">", "&gt;")}</UserLocale>
    </component>
    <component name="Microsoft-Windows-Shell-Setup" processorArchitecture="amd64" publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS" xmlns:wcm="http://schemas.microsoft.com/WMIConfig/2002/State" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
      <OOBE>
        <HideEULAPage>true</HideEULAPage>
        <HideLocalAccountScreen>true</HideLocalAccountScreen>
        <HideOEMRegistrationScreen>true</HideOEMRegistrationScreen>
        <HideOnlineAccountScreens>true</HideOnlineAccountScreens>
        <HideWirelessSetupInOOBE>true</HideWirelessSetupInOOBE>
        <ProtectYourPC>3</ProtectYourPC>
      </OOBE>
      <!-- Both passwords are the build password. scripts/windows/cleanup.ps1 gives Administrator a
           random password and disables it, and makes a VM made from the image remove the build
           account at its first start. -->
      <UserAccounts>
        <AdministratorPassword>
          <Value>${replace(replace(replace(build_password, "&", "&amp;"), "<", "&lt;"), ">", "&gt;")}</Value>
          <PlainText>true</PlainText>
        </AdministratorPassword>
        <LocalAccounts>
          <LocalAccount wcm:action="add">
            <Name>${replace(replace(replace(build_username, "&", "&amp;"), "<", "&lt;"), ">", "&gt;")}</Name>
            <DisplayName>${replace(replace(replace(build_username, "&", "&amp;"), "<", "&lt;"), ">", "&gt;")}</DisplayName>
            <Description>Image build account</Description>
            <Group>Administrators</Group>
            <Password>
              <Value>${replace(replace(replace(build_password, "&", "&amp;"), "<", "&lt;"), ">", "&gt;")}</Value>
              <PlainText>true</PlainText>
            </Password>
          </LocalAccount>
        </LocalAccounts>
      </UserAccounts>
      <!-- Log on once as the build user so that the FirstLogonCommands run (elevated). -->
      <AutoLogon>
        <Enabled>true</Enabled>
        <LogonCount>1</LogonCount>
        <Username>${replace(replace(replace(build_username, "&", "&amp;"), "<", "&lt;"), ">", "&gt;")}</Username>
        <Password>
          <Value>${replace(replace(replace(build_password, "&", "&amp;"), "<", "&lt;"), ">", "&gt;")}</Value>
          <PlainText>true</PlainText>
        </Password>
      </AutoLogon>
      <!-- The scripts are at the root of the "cidata" CD; its drive letter is not known in advance, so
           every drive's root is searched first. A CommandLine holds at most 1024 characters. -->
      <FirstLogonCommands>
        <SynchronousCommand wcm:action="add">
          <Order>1</Order>
          <Description>Install the guest tools of the platform (VirtIO guest tools and QEMU guest agent, or VMware Tools)</Description>
          <CommandLine>%SystemRoot%\System32\WindowsPowerShell\v1.0\powershell.exe -NoProfile -ExecutionPolicy Bypass -Command "$f = foreach ($r in 'guest-tools.ps1', 'windows\guest-tools.ps1', 'scripts\windows\guest-tools.ps1') { foreach ($d in Get-PSDrive -PSProvider FileSystem) { $p = Join-Path $d.Root $r; if (Test-Path -LiteralPath $p -PathType Leaf) { $p } } }; if (-not $f) { exit 1 }; powershell.exe -NoProfile -ExecutionPolicy Bypass -File ($f | Select-Object -First 1) -Platform ${replace(replace(replace(platform, "&", "&amp;"), "<", "&lt;"), ">", "&gt;")}"</CommandLine>
        </SynchronousCommand>
%{ if !network.dhcp ~}
        <SynchronousCommand wcm:action="add">
          <Order>2</Order>
          <Description>Set the static IPv4 address, gateway and DNS servers on the first adapter that is up</Description>
          <CommandLine>%SystemRoot%\System32\WindowsPowerShell\v1.0\powershell.exe -NoProfile -ExecutionPolicy Bypass -Command "$ErrorActionPreference = 'Stop'; $t = (Get-Date).AddMinutes(5); do { $a = Get-NetAdapter | Where-Object Status -eq 'Up' | Sort-Object ifIndex | Select-Object -First 1; if (-not $a) { Start-Sleep -Seconds 5 } } until ($a -or (Get-Date) -gt $t); if (-not $a) { exit 1 }; $i = $a.ifIndex; Set-NetIPInterface -InterfaceIndex $i -AddressFamily IPv4 -Dhcp Disabled; Get-NetIPAddress -InterfaceIndex $i -AddressFamily IPv4 -ErrorAction SilentlyContinue | Remove-NetIPAddress -Confirm:$false; Remove-NetRoute -InterfaceIndex $i -DestinationPrefix '0.0.0.0/0' -Confirm:$false -ErrorAction SilentlyContinue; New-NetIPAddress -InterfaceIndex $i -IPAddress '${replace(replace(replace(regex("^[0-9]{1,3}(?:\\.[0-9]{1,3}){3}$", split("/", network.address)[0]), "&", "&amp;"), "<", "&lt;"), ">", "&gt;")}' -PrefixLength '${replace(replace(replace(regex("^[0-9]{1,2}$", split("/", network.address)[1]), "&", "&amp;"), "<", "&lt;"), ">", "&gt;")}'%{ if network.gateway != "" } -DefaultGateway '${replace(replace(replace(regex("^[0-9]{1,3}(?:\\.[0-9]{1,3}){3}$", network.gateway), "&", "&amp;"), "<", "&lt;"), ">", "&gt;")}'%{ endif } | Out-Null%{ if length(network.dns) > 0 }; Set-DnsClientServerAddress -InterfaceIndex $i -ServerAddresses %{ for n, s in network.dns }%{ if n > 0 },%{ endif }'${replace(replace(replace(regex("^[0-9]{1,3}(?:\\.[0-9]{1,3}){3}$", s), "&", "&amp;"), "<", "&lt;"), ">", "&gt;")}'%{ endfor }%{ endif }"</CommandLine>
        </SynchronousCommand>
%{ endif ~}
        <SynchronousCommand wcm:action="add">
          <Order>${network.dhcp ? 2 : 3}</Order>
          <Description>Enable WinRM for the Packer communicator</Description>
          <CommandLine>%SystemRoot%\System32\WindowsPowerShell\v1.0\powershell.exe -NoProfile -ExecutionPolicy Bypass -Command "$f = foreach ($r in 'enable-winrm.ps1', 'windows\enable-winrm.ps1', 'scripts\windows\enable-winrm.ps1') { foreach ($d in Get-PSDrive -PSProvider FileSystem) { $p = Join-Path $d.Root $r; if (Test-Path -LiteralPath $p -PathType Leaf) { $p } } }; if (-not $f) { exit 1 }; powershell.exe -NoProfile -ExecutionPolicy Bypass -File ($f | Select-Object -First 1)"</CommandLine>
        </SynchronousCommand>
      </FirstLogonCommands>
    </component>
  </settings>
</unattend>
