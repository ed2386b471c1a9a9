# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Get-WinEvent -FilterHashtable over host.events.

Keys modelled: LogName, ProviderName, Id (one or a list), StartTime, with
-MaxEvents; records newest first (Microsoft Learn "Get-WinEvent"). Nothing
matching: a non-terminating error "No events were found that match the
specified selection criteria." (System.Exception, FullyQualifiedErrorId
NoMatchingEventsFound,Microsoft.PowerShell.Commands.GetWinEventCommand, category
ObjectNotFound - PowerShell/PowerShell src/Microsoft.PowerShell.Commands.Diagnostics/
GetEventCommand.cs, resource NoMatchingEventsFound). Every provider the scripts
name is taken to be installed (assumption; a missing one answers
NoMatchingProvidersFound on Windows). Each record's ToXml() carries EventData
<Data Name=...> as the provider's manifest names it.
"""
from __future__ import annotations

import datetime
from xml.sax.saxutils import escape, quoteattr

from winsim.model import NotModelled

from . import WinError, handler

_KEYS = {"logname", "providername", "id", "starttime"}
_LEVELS = {"Error": 2, "Warning": 3, "Information": 4, "Critical": 1}


def _time(text) -> datetime.datetime:
    moment = datetime.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.timezone.utc)


def _xml(e) -> str:
    data = "".join("<Data Name=%s>%s</Data>" % (quoteattr(k), escape(str(v))) for k, v in (e.data or {}).items())
    return ("<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>"
            "<Provider Name=%s/><EventID>%d</EventID><Level>%d</Level><TimeCreated SystemTime=%s/>"
            "<Channel>%s</Channel></System><EventData>%s</EventData></Event>"
            % (quoteattr(e.provider), e.event_id, _LEVELS.get(e.level, 4),
               quoteattr(_time(e.time).strftime("%Y-%m-%dT%H:%M:%S.0000000Z")), escape(e.log or "System"), data))


@handler("events.query")
def query(session, args):
    flt = {str(k).lower(): v for k, v in (args.get("filter") or {}).items()}
    unknown = set(flt) - _KEYS
    if unknown:
        raise NotModelled("Get-WinEvent filter keys %s" % sorted(unknown))
    log = str(flt.get("logname", "")).lower()
    providers = flt.get("providername")
    providers = {str(p).lower() for p in (providers if isinstance(providers, list) else [providers])} if providers else None
    ids = flt.get("id")
    ids = {int(i) for i in (ids if isinstance(ids, list) else [ids])} if ids is not None else None
    start = _time(flt["starttime"]) if flt.get("starttime") else None
    found = [e for e in session.host.events
             if (not log or (e.log or "System").lower() == log)
             and (providers is None or e.provider.lower() in providers)
             and (ids is None or e.event_id in ids)
             and (start is None or _time(e.time) >= start)]
    found.sort(key=lambda e: _time(e.time), reverse=True)
    limit = int(args.get("max", -1))
    if limit >= 0:
        found = found[:limit]
    if not found:
        raise WinError("System.Exception", "No events were found that match the specified selection criteria.",
                       "NoMatchingEventsFound,Microsoft.PowerShell.Commands.GetWinEventCommand", "ObjectNotFound")
    return [{"__type__": "System.Diagnostics.Eventing.Reader.EventLogRecord",
             "Id": e.event_id, "ProviderName": e.provider, "LogName": e.log or "System",
             "TimeCreated": {"__datetime__": _time(e.time).isoformat()}, "LevelDisplayName": e.level,
             "Message": e.message, "Xml": _xml(e)} for e in found]
