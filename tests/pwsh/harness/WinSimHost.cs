// Copyright: (c) 2026, winrepair.windows_update contributors
// GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
//
// What the stand-ins share across runspaces of the one runner process:
// - the line protocol to the Python side (tests/pwsh/runner.py): a stand-in
//   sends {"op":"call",...} and waits for the one reply line;
// - the simulated host's clock (the HostModel's "now", advancing in real time
//   during a run), for Get-Date and the instrumented [DateTime]::UtcNow/Now;
// - Environment.GetFolderPath answers of a Windows host (on Linux .NET gives ''
//   for SpecialFolder.System), for the instrumented [Environment]::GetFolderPath.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;

namespace WinSim
{
    public static class Bridge
    {
        private static TextReader _in;
        private static TextWriter _out;
        private static DateTime _startUtc = DateTime.UtcNow;
        private static readonly Stopwatch _watch = Stopwatch.StartNew();
        private static readonly Dictionary<string, string> _folders = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        public static int Calls;

        public static void Init(TextReader input, TextWriter output)
        {
            _in = input;
            _out = output;
        }

        // One line out (a JSON object built by the caller), one line back.
        public static string Call(string requestJson)
        {
            if (_out == null) throw new InvalidOperationException("winsim bridge is not connected");
            Calls++;
            _out.WriteLine(requestJson);
            _out.Flush();
            string line = _in.ReadLine();
            if (line == null) throw new IOException("winsim bridge: the Python side closed the pipe");
            return line;
        }

        public static void Send(string json)
        {
            _out.WriteLine(json);
            _out.Flush();
        }

        public static string Receive()
        {
            return _in.ReadLine();
        }

        public static void SetClock(DateTime utcNow)
        {
            _startUtc = DateTime.SpecifyKind(utcNow, DateTimeKind.Utc);
            _watch.Restart();
        }

        // Frozen during a run: results that print "now" are the same in the model and the script.
        public static DateTime UtcNow { get { return _startUtc; } }

        // The host's local time: the runner's process runs with TZ=UTC, as the
        // HostModel keeps every time in UTC.
        public static DateTime Now { get { return DateTime.SpecifyKind(UtcNow, DateTimeKind.Local); } }

        public static DateTime Today { get { return Now.Date; } }

        public static void SetFolders(System.Collections.IDictionary folders)
        {
            _folders.Clear();
            foreach (System.Collections.DictionaryEntry kvp in folders) _folders[kvp.Key.ToString()] = kvp.Value.ToString();
        }

        public static string GetFolderPath(Environment.SpecialFolder folder)
        {
            string path;
            if (_folders.TryGetValue(folder.ToString(), out path)) return path;
            throw new NotSupportedException("winsim does not model Environment.GetFolderPath(" + folder + ")");
        }

        public static string GetFolderPath(Environment.SpecialFolder folder, Environment.SpecialFolderOption option)
        {
            return GetFolderPath(folder);
        }
    }
}

namespace WinSim
{
    // The security descriptor of a file or folder as Get-Acl returns it
    // (System.Security.AccessControl.DirectorySecurity / FileSecurity), for
    // the members the host scripts use: GetOwner, GetAccessRules,
    // AreAccessRulesProtected, SetSecurityDescriptorSddlForm and
    // GetSecurityDescriptorSddlForm. Those .NET types refuse to be built on
    // Linux ("ACL APIs are part of resource management on Windows"), so this
    // one keeps owner and DACL as data, read from and written to the host
    // model (tests/pwsh/hostapi/acl.py). SDDL as Microsoft Learn "Security
    // Descriptor String Format" and "ACE Strings" define it; the SID aliases
    // and generic/file rights below are the ones of those pages.
    public sealed class Sid
    {
        public Sid(string value) { Value = value; }
        public string Value { get; private set; }
        public override string ToString() { return Value; }
    }

    public sealed class AccessRule
    {
        public Sid IdentityReference { get; internal set; }
        public System.Security.AccessControl.FileSystemRights FileSystemRights { get; internal set; }
        public System.Security.AccessControl.AccessControlType AccessControlType { get; internal set; }
        public bool IsInherited { get; internal set; }
        public System.Security.AccessControl.InheritanceFlags InheritanceFlags { get; internal set; }
        public System.Security.AccessControl.PropagationFlags PropagationFlags { get; internal set; }
    }

    public sealed class FileSystemSecurity
    {
        private static readonly Dictionary<string, string> Aliases = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            { "SY", "S-1-5-18" }, { "BA", "S-1-5-32-544" }, { "BU", "S-1-5-32-545" }, { "CO", "S-1-3-0" },
            { "WD", "S-1-1-0" }, { "AU", "S-1-5-11" }, { "OW", "S-1-3-4" },
        };
        private static readonly Dictionary<string, int> Rights = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase)
        {
            { "FA", 0x1F01FF }, { "FR", 0x120089 }, { "FW", 0x120116 }, { "FX", 0x1200A0 },
            { "GA", 0x10000000 }, { "GR", unchecked((int)0x80000000) }, { "GW", 0x40000000 }, { "GX", 0x20000000 },
        };

        private string _owner;
        private string _group;
        private bool _protected;
        private List<AccessRule> _rules = new List<AccessRule>();

        public FileSystemSecurity(string sddl, string path, bool container)
        {
            Path = path;
            IsContainer = container;
            SetSecurityDescriptorSddlForm(sddl);
        }

        public string Path { get; private set; }
        public bool IsContainer { get; private set; }
        public bool AreAccessRulesProtected { get { return _protected; } }
        public string Sddl { get { return GetSecurityDescriptorSddlForm(System.Security.AccessControl.AccessControlSections.All); } }

        public Sid GetOwner(Type targetType)
        {
            if (targetType != typeof(System.Security.Principal.SecurityIdentifier))
                throw new NotSupportedException("winsim models owners as SecurityIdentifier only, not " + targetType);
            return _owner == null ? null : new Sid(_owner);
        }

        public List<AccessRule> GetAccessRules(bool includeExplicit, bool includeInherited, Type targetType)
        {
            if (targetType != typeof(System.Security.Principal.SecurityIdentifier))
                throw new NotSupportedException("winsim models access rules by SecurityIdentifier only, not " + targetType);
            return _rules.FindAll(r => r.IsInherited ? includeInherited : includeExplicit);
        }

        public void SetSecurityDescriptorSddlForm(string sddl)
        {
            SetSecurityDescriptorSddlForm(sddl, System.Security.AccessControl.AccessControlSections.All);
        }

        public void SetSecurityDescriptorSddlForm(string sddl, System.Security.AccessControl.AccessControlSections sections)
        {
            string owner = null, group = null, dacl = null;
            int i = 0;
            while (i < sddl.Length)
            {
                if (i + 1 >= sddl.Length || sddl[i + 1] != ':') throw new ArgumentException("The SDDL form of a security descriptor object is invalid.", "sddlForm");
                char part = char.ToUpperInvariant(sddl[i]);
                int start = i + 2, end = start;
                while (end < sddl.Length && !(end + 1 < sddl.Length && sddl[end + 1] == ':' && "OGDS".IndexOf(char.ToUpperInvariant(sddl[end])) >= 0 && (end == start || sddl[end - 1] == ')' || part == 'O' || part == 'G'))) end++;
                string value = sddl.Substring(start, end - start);
                if (part == 'O') owner = ResolveSid(value);
                else if (part == 'G') group = ResolveSid(value);
                else if (part == 'D') dacl = value;
                else throw new NotSupportedException("winsim does not model the SDDL section " + part + ":");
                i = end;
            }
            if ((sections & System.Security.AccessControl.AccessControlSections.Owner) != 0 && owner != null) _owner = owner;
            if ((sections & System.Security.AccessControl.AccessControlSections.Group) != 0 && group != null) _group = group;
            if ((sections & System.Security.AccessControl.AccessControlSections.Access) != 0 && dacl != null) ParseDacl(dacl);
        }

        private static string ResolveSid(string text)
        {
            string sid;
            if (Aliases.TryGetValue(text, out sid)) return sid;
            if (text.StartsWith("S-", StringComparison.OrdinalIgnoreCase)) return text.ToUpperInvariant();
            throw new NotSupportedException("winsim does not model the SDDL account " + text);
        }

        private void ParseDacl(string text)
        {
            int open = text.IndexOf('(');
            string flags = open < 0 ? text : text.Substring(0, open);
            _protected = flags.ToUpperInvariant().Contains("P");
            var rules = new List<AccessRule>();
            foreach (string raw in (open < 0 ? "" : text.Substring(open)).Split(new[] { '(', ')' }, StringSplitOptions.RemoveEmptyEntries))
            {
                string[] f = raw.Split(';');
                if (f.Length != 6) throw new ArgumentException("The SDDL form of a security descriptor object is invalid.", "sddlForm");
                var rule = new AccessRule();
                if (f[0] == "A") rule.AccessControlType = System.Security.AccessControl.AccessControlType.Allow;
                else if (f[0] == "D") rule.AccessControlType = System.Security.AccessControl.AccessControlType.Deny;
                else throw new NotSupportedException("winsim does not model the ACE type " + f[0]);
                string aceFlags = f[1].ToUpperInvariant();
                var inherit = System.Security.AccessControl.InheritanceFlags.None;
                var propagate = System.Security.AccessControl.PropagationFlags.None;
                for (int k = 0; k + 1 < aceFlags.Length + 1 && k < aceFlags.Length; k += 2)
                {
                    switch (aceFlags.Substring(k, 2))
                    {
                        case "OI": inherit |= System.Security.AccessControl.InheritanceFlags.ObjectInherit; break;
                        case "CI": inherit |= System.Security.AccessControl.InheritanceFlags.ContainerInherit; break;
                        case "NP": propagate |= System.Security.AccessControl.PropagationFlags.NoPropagateInherit; break;
                        case "IO": propagate |= System.Security.AccessControl.PropagationFlags.InheritOnly; break;
                        case "ID": rule.IsInherited = true; break;
                        default: throw new NotSupportedException("winsim does not model the ACE flag " + aceFlags.Substring(k, 2));
                    }
                }
                rule.InheritanceFlags = inherit;
                rule.PropagationFlags = propagate;
                int mask;
                if (Rights.TryGetValue(f[2], out mask)) { }
                else if (f[2].StartsWith("0x", StringComparison.OrdinalIgnoreCase)) mask = Convert.ToInt32(f[2].Substring(2), 16);
                else throw new NotSupportedException("winsim does not model the access right " + f[2]);
                rule.FileSystemRights = (System.Security.AccessControl.FileSystemRights)mask;
                rule.IdentityReference = new Sid(ResolveSid(f[5]));
                rules.Add(rule);
            }
            _rules = rules;
        }

        public string GetSecurityDescriptorSddlForm(System.Security.AccessControl.AccessControlSections sections)
        {
            var text = new System.Text.StringBuilder();
            if ((sections & System.Security.AccessControl.AccessControlSections.Owner) != 0 && _owner != null) text.Append("O:" + Alias(_owner));
            if ((sections & System.Security.AccessControl.AccessControlSections.Group) != 0 && _group != null) text.Append("G:" + Alias(_group));
            if ((sections & System.Security.AccessControl.AccessControlSections.Access) != 0)
            {
                text.Append(_protected ? "D:PAI" : "D:AI");
                foreach (var r in _rules)
                {
                    string flags = "";
                    if ((r.InheritanceFlags & System.Security.AccessControl.InheritanceFlags.ObjectInherit) != 0) flags += "OI";
                    if ((r.InheritanceFlags & System.Security.AccessControl.InheritanceFlags.ContainerInherit) != 0) flags += "CI";
                    if ((r.PropagationFlags & System.Security.AccessControl.PropagationFlags.NoPropagateInherit) != 0) flags += "NP";
                    if ((r.PropagationFlags & System.Security.AccessControl.PropagationFlags.InheritOnly) != 0) flags += "IO";
                    if (r.IsInherited) flags += "ID";
                    int mask = (int)r.FileSystemRights;
                    string rights = mask == 0x1F01FF ? "FA" : "0x" + mask.ToString("x");
                    text.Append("(" + (r.AccessControlType == System.Security.AccessControl.AccessControlType.Allow ? "A" : "D") + ";" + flags + ";" + rights + ";;;" + Alias(r.IdentityReference.Value) + ")");
                }
            }
            return text.ToString();
        }

        private static string Alias(string sid)
        {
            foreach (var kvp in Aliases) if (kvp.Value == sid) return kvp.Key;
            return sid;
        }
    }

    // A service as Get-Service returns it (System.ServiceProcess.ServiceController), for
    // the members the host scripts use: Name, ServiceName, DisplayName, Status,
    // StartType, Refresh(), Stop(), Start(), WaitForStatus(status[, timeout]). Each
    // method asks the host (tests/pwsh/hostapi/services.py) and throws the .NET
    // exception the real method throws, so PowerShell wraps it once in a
    // MethodInvocationException ("Exception calling "Stop" with "0" argument(s): ...")
    // and `catch [System.ServiceProcess.TimeoutException]` sees the inner one, as
    // with the real class (whose constructor refuses on Linux).
    public sealed class ServiceController
    {
        public ServiceController(string name, string displayName, string status, string startType)
        {
            Name = name;
            DisplayName = displayName;
            Status = (System.ServiceProcess.ServiceControllerStatus)Enum.Parse(typeof(System.ServiceProcess.ServiceControllerStatus), status);
            StartType = (System.ServiceProcess.ServiceStartMode)Enum.Parse(typeof(System.ServiceProcess.ServiceStartMode), startType);
        }

        public string Name { get; private set; }
        public string ServiceName { get { return Name; } }
        public string DisplayName { get; private set; }
        public System.ServiceProcess.ServiceControllerStatus Status { get; private set; }
        public System.ServiceProcess.ServiceStartMode StartType { get; private set; }
        public string MachineName { get { return "."; } }

        private System.Text.Json.JsonElement Ask(string call, string extra)
        {
            string request = "{\"op\":\"call\",\"name\":\"" + call + "\",\"args\":{\"name\":" + Quote(Name) + extra + "}}";
            var reply = System.Text.Json.JsonDocument.Parse(Bridge.Call(request)).RootElement;
            System.Text.Json.JsonElement error;
            if (reply.TryGetProperty("error", out error)) throw ExceptionFrom(error);
            return reply.GetProperty("ok");
        }

        private void Update(System.Text.Json.JsonElement info)
        {
            if (info.ValueKind == System.Text.Json.JsonValueKind.Object)
                Status = (System.ServiceProcess.ServiceControllerStatus)Enum.Parse(typeof(System.ServiceProcess.ServiceControllerStatus), info.GetProperty("status").GetString());
        }

        public void Refresh() { Update(Ask("service.get", "")); }
        public void Stop() { Ask("service.stop", ""); }
        public void Start() { Ask("service.start", ""); }
        public void WaitForStatus(System.ServiceProcess.ServiceControllerStatus desiredStatus) { WaitForStatus(desiredStatus, TimeSpan.MaxValue); }

        public void WaitForStatus(System.ServiceProcess.ServiceControllerStatus desiredStatus, TimeSpan timeout)
        {
            double seconds = timeout == TimeSpan.MaxValue ? -1 : timeout.TotalSeconds;
            Update(Ask("service.wait", ",\"status\":" + Quote(desiredStatus.ToString()) + ",\"seconds\":" +
                seconds.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        public override string ToString() { return "System.ServiceProcess.ServiceController"; }

        private static string Quote(string text)
        {
            return System.Text.Json.JsonSerializer.Serialize(text);
        }

        // {"type", "message", "hresult", "native_error_code", "inner"} (hostapi WinError.to_json).
        internal static Exception ExceptionFrom(System.Text.Json.JsonElement spec)
        {
            Exception inner = null;
            System.Text.Json.JsonElement innerSpec;
            if (spec.TryGetProperty("inner", out innerSpec) && innerSpec.ValueKind == System.Text.Json.JsonValueKind.Object)
                inner = ExceptionFrom(innerSpec);
            string type = spec.GetProperty("type").GetString();
            string message = spec.GetProperty("message").GetString();
            Exception made;
            if (type == "System.ComponentModel.Win32Exception")
                made = new System.ComponentModel.Win32Exception(spec.GetProperty("native_error_code").GetInt32(), message);
            else if (type == "System.InvalidOperationException")
                made = new InvalidOperationException(message, inner);
            else if (type == "System.ServiceProcess.TimeoutException")
            {
                // The real type, built without its constructor (it refuses on Linux); Exception's message field set.
                made = (Exception)System.Runtime.CompilerServices.RuntimeHelpers.GetUninitializedObject(typeof(System.ServiceProcess.TimeoutException));
                typeof(Exception).GetField("_message", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance).SetValue(made, message);
            }
            else
                made = new NotSupportedException("winsim does not model " + message);
            System.Text.Json.JsonElement hresult;
            if (spec.TryGetProperty("hresult", out hresult) && hresult.ValueKind == System.Text.Json.JsonValueKind.Number)
                made.HResult = hresult.GetInt32();
            return made;
        }
    }

    // [System.IO.File]::Open as the host would answer it: a file whose ACL
    // denies this account (the host model's file_meta "readable": false) is
    // refused with UnauthorizedAccessException "Access to the path '...' is
    // denied." (the .NET Framework text of ERROR_ACCESS_DENIED, mscorlib
    // UnauthorizedAccess_IODenied_Path). Runner.ps1 sends the scripts'
    // File.Open calls here; the runner runs as root, so the real file cannot refuse.
    public static class FileGate
    {
        private static readonly HashSet<string> _denied = new HashSet<string>(StringComparer.Ordinal);

        public static void SetDenied(System.Collections.IEnumerable paths)
        {
            _denied.Clear();
            if (paths == null) return;
            foreach (object p in paths) if (p != null) _denied.Add(System.IO.Path.GetFullPath(p.ToString()));
        }

        // CreateNew of a file that exists fails with ERROR_FILE_EXISTS (IOException) whatever
        // its ACL (CreateFileW, CREATE_NEW: learn.microsoft.com/windows/win32/api/fileapi/nf-fileapi-createfilew);
        // any other mode opens the file and meets its ACL.
        private static void Check(string path, FileMode mode)
        {
            if (mode != FileMode.CreateNew && _denied.Contains(System.IO.Path.GetFullPath(path)))
                throw new UnauthorizedAccessException("Access to the path '" + path + "' is denied.");
        }

        public static FileStream Open(string path, FileMode mode) { Check(path, mode); return File.Open(path, mode); }
        public static FileStream Open(string path, FileMode mode, FileAccess access) { Check(path, mode); return File.Open(path, mode, access); }
        public static FileStream Open(string path, FileMode mode, FileAccess access, FileShare share) { Check(path, mode); return File.Open(path, mode, access, share); }
    }
}

namespace Microsoft.PowerShell.Commands
{
    // Get-Service's error type (Microsoft.PowerShell.Commands.Management on
    // Windows; absent from pwsh on Linux, where Get-Service does not exist).
    public class ServiceCommandException : SystemException
    {
        public ServiceCommandException() : base() { }
        public ServiceCommandException(string message) : base(message) { }
        public ServiceCommandException(string message, Exception innerException) : base(message, innerException) { }
    }
}
