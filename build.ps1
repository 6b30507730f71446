#!/usr/bin/env pwsh
# Unikernel.NET: the single entry point. Run it through the local tool:
#   dotnet tool restore
#   dotnet pwsh build.ps1 <verb>
# Verbs: deps (install what is missing), build (all projects and guest images), run (boot a sample under
# Xen in QEMU; -Xl boots it as a domU with `xl create` and its .cfg), test (every test: host xUnit and boot
# tests under real Xen), bench (under Xen: hypercall batching, artifacts/bench/hypercalls.csv, .svg and .md;
# then Hello's boot time at several memory sizes, boot.csv, .svg and .md; then the block benchmark in the xl
# environment, block.csv and block.md; then the network benchmark, net.csv and net.md), pack (the Unikernel.NET and Unikernel.NET.Templates NuGet packages
# into artifacts/packages/).
param(
    [Parameter(Position = 0)] [string] $Verb = 'help',
    [string] $Sample = 'Hello',
    [string] $CommandLine = 'hello from the command line',
    [int] $Memory = 256,
    [string] $Configuration = 'Debug',
    [switch] $Xl
)

$ErrorActionPreference = 'Stop'
$ConfigurationGiven = $PSBoundParameters.ContainsKey('Configuration')
Set-StrictMode -Version Latest
$Root = $PSScriptRoot
$Cache = Join-Path $Root '.cache'
$Ukboot = Join-Path $Root "tools/ukboot/bin/$Configuration/net10.0/ukboot.dll"
$Ukxl = Join-Path $Root "tests/XlEnvironment/bin/$Configuration/net10.0/ukxl.dll"
$Ukbench = Join-Path $Root "bench/Report/bin/$Configuration/net10.0/ukbench.dll"
# QEMU to run Xen, LLVM 14 for llvm-mc, ld.lld and llvm-objcopy, clang 14 for the C baseline benchmark
# guest, xz to unpack the dom0 kernel for xl runs, script (bsdutils) for the tests that type on a terminal.
# Xen is fetched by ukboot, the dom0 packages by ukxl.
$AptPackages = @('qemu-system-x86', 'lld-14', 'llvm-14', 'clang-14', 'xz-utils', 'bsdutils')
$XenPackage = 'xen-hypervisor-4.17-amd64'
$Verbs = 'deps', 'build', 'run', 'test', 'bench', 'pack', 'help'

function Say([string] $message) { Write-Host "build.ps1: $message" }
function Fail([string] $message) { Write-Host "build.ps1: error: $message"; exit 1 }

function Invoke-Checked([string] $what, [scriptblock] $command) {
    & $command
    if ($LASTEXITCODE -ne 0) { Fail "$what failed (exit code $LASTEXITCODE)" }
}

function Test-DebInstalled([string] $name) {
    $status = & dpkg-query -W -f='${Status}' $name 2>$null
    return $LASTEXITCODE -eq 0 -and "$status" -eq 'install ok installed'
}

function Install-Deps {
    if (-not (Get-Command dpkg-query -ErrorAction SilentlyContinue)) {
        Fail "this needs Debian (dpkg and apt): install $($AptPackages -join ', ') by hand on other systems"
    }
    $missing = @($AptPackages | Where-Object { -not (Test-DebInstalled $_) })
    $xenKnown = "$(& apt-cache policy $XenPackage 2>$null)" -match 'Candidate: [0-9]'
    if ($missing.Count -eq 0 -and $xenKnown) { return }

    Say 'apt-get update (package lists)'
    Invoke-AsRoot 'apt-get', 'update', '-q'
    if ($missing.Count -gt 0) {
        Say "installing Debian packages: $($missing -join ', ')"
        $env:DEBIAN_FRONTEND = 'noninteractive'
        Invoke-AsRoot (@('apt-get', 'install', '-y', '-q', '--no-install-recommends') + $missing)
    }
}

function Invoke-AsRoot([string[]] $argv) {
    if ((& id -u) -ne '0') {
        if (-not (Get-Command sudo -ErrorAction SilentlyContinue)) { Fail "'$($argv -join ' ')' needs root: run as root or install sudo" }
        $argv = @('sudo') + $argv
    }
    & $argv[0] @($argv | Select-Object -Skip 1)
    if ($LASTEXITCODE -ne 0) { Fail "'$($argv -join ' ')' failed (exit code $LASTEXITCODE)" }
}

function Build-All {
    Install-Deps
    Say "building the solution and guest images ($Configuration)"
    Invoke-Checked 'dotnet build' { & dotnet build (Join-Path $Root 'unikernel.sln') -c $Configuration -nologo -v:minimal }
    Say 'fetching the Xen hypervisor and the dom0 for xl runs (downloaded once into .cache/)'
    Invoke-Checked 'ukboot fetch' { & dotnet $Ukboot fetch --cache $Cache }
    Invoke-Checked 'ukxl fetch' { & dotnet $Ukxl fetch --cache $Cache }
}

function Invoke-Run {
    $project = Join-Path $Root "samples/$Sample"
    if (-not (Test-Path $project)) {
        $known = (Get-ChildItem (Join-Path $Root 'samples') -Directory).Name -join ', '
        Fail "no sample '$Sample' (samples: $known)"
    }
    Build-All
    $image = Join-Path $Root "artifacts/images/$($Sample.ToLowerInvariant()).elf"
    $cfg = Join-Path $project "$($Sample.ToLowerInvariant()).cfg"
    if ($Xl) {
        if (-not (Test-Path $cfg)) { Fail "sample '$Sample' has no $cfg for xl create" }
        & dotnet $Ukxl run $image --cfg $cfg --cache $Cache
        exit $LASTEXITCODE
    }
    & dotnet $Ukboot run $image --cmdline $CommandLine --memory $Memory --cache $Cache
    exit $LASTEXITCODE
}

# The package an application outside this repository references (package/Unikernel.NET.csproj) and its
# dotnet new templates (package/templates/Unikernel.NET.Templates.csproj).
function Invoke-Pack {
    $packages = Join-Path $Root 'artifacts/packages'
    # Packages ship Release builds unless -Configuration says otherwise.
    $Configuration = if ($ConfigurationGiven) { $Configuration } else { 'Release' }
    foreach ($project in 'package/Unikernel.NET.csproj', 'package/templates/Unikernel.NET.Templates.csproj') {
        Say "packing $([IO.Path]::GetFileNameWithoutExtension($project)) ($Configuration) into $packages"
        Invoke-Checked 'dotnet pack' { & dotnet pack (Join-Path $Root $project) -c $Configuration -o $packages -nologo -v:minimal }
    }
}

function Invoke-Test {
    Build-All
    $results = Join-Path $Root 'artifacts/test-results'
    if (Test-Path $results) { Remove-Item -Recurse -Force $results }
    Say 'running the tests (host xUnit tests, then boot tests under Xen in QEMU)'
    & dotnet test (Join-Path $Root 'tests/Unikernel.Tests') -c $Configuration --no-build -nologo `
        --logger 'trx;LogFileName=results.trx' --logger 'console;verbosity=normal' --results-directory $results
    $testExit = $LASTEXITCODE
    $trx = Get-ChildItem $results -Filter *.trx -Recurse | Select-Object -First 1
    if (-not $trx) { Fail "dotnet test wrote no results (exit code $testExit)" }
    $counters = ([xml](Get-Content $trx.FullName)).TestRun.ResultSummary.Counters
    $passed = [int]$counters.passed
    $failed = [int]$counters.failed + [int]$counters.error + [int]$counters.timeout + [int]$counters.aborted
    Write-Host "$passed passed, $failed failed"
    if ($testExit -ne 0 -or $failed -gt 0 -or $passed -eq 0) { exit 1 }
    exit 0
}

function Invoke-Bench {
    Build-All
    Say 'running the benchmarks under Xen in QEMU (bench/README.md): hypercall batching, then boot time against memory'
    & dotnet $Ukbench --images (Join-Path $Root 'artifacts/images') --out (Join-Path $Root 'artifacts/bench') --cache $Cache
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
    Say 'running the block benchmark in the xl environment (bench/README.md)'
    & dotnet $Ukbench block --images (Join-Path $Root 'artifacts/images') --out (Join-Path $Root 'artifacts/bench') --cache $Cache
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
    Say 'running the network benchmark in the xl environment (bench/README.md)'
    & dotnet $Ukbench net --images (Join-Path $Root 'artifacts/images') --out (Join-Path $Root 'artifacts/bench') --cache $Cache
    exit $LASTEXITCODE
}

switch ($Verb) {
    'deps' { Install-Deps; Say 'dependencies are installed' }
    'build' { Build-All }
    'run' { Invoke-Run }
    'test' { Invoke-Test }
    'bench' { Invoke-Bench }
    'pack' { Invoke-Pack }
    'help' { Get-Content $PSCommandPath | Select-Object -Skip 1 -First 8 | ForEach-Object { $_.TrimStart('# ') } }
    default { Fail "unknown verb '$Verb': use one of $($Verbs -join ', ') (for example: dotnet pwsh build.ps1 test)" }
}
