# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Scheduled tasks and ACL reads (detached runs, the journal lock's owner
# checks): not modelled yet. Each stand-in asks the host, which refuses
# (hostapi/tasks.py has no handler), so the run fails loudly with NotModelled
# instead of pwsh's "not recognized" error or a silent default.

function Get-Acl { Invoke-WinSimCall -Name 'acl.get' -Arguments @{ args = [string]$args } }
function Get-ScheduledTask { Invoke-WinSimCall -Name 'tasks.get' }
function Get-ScheduledTaskInfo { Invoke-WinSimCall -Name 'tasks.info' }
function Register-ScheduledTask { Invoke-WinSimCall -Name 'tasks.register' }
function Unregister-ScheduledTask { Invoke-WinSimCall -Name 'tasks.unregister' }
function Start-ScheduledTask { Invoke-WinSimCall -Name 'tasks.start' }
function New-ScheduledTaskAction { Invoke-WinSimCall -Name 'tasks.new_action' }
function New-ScheduledTaskPrincipal { Invoke-WinSimCall -Name 'tasks.new_principal' }
function New-ScheduledTaskSettingsSet { Invoke-WinSimCall -Name 'tasks.new_settings' }
