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
