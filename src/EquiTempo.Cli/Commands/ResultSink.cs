namespace EquiTempo.Cli.Commands;

/// <summary>
/// Where `estimate` writes its results: stdout, the one file -o names, or one file per input under the folder -o
/// names. Each row is written and flushed when it comes, so a run stopped part-way keeps every finished input.
/// </summary>
internal abstract class ResultSink : IDisposable
{
    protected EstimateFormat Format { get; }
    private readonly bool _severalInputs;

    private ResultSink(EstimateFormat format, bool severalInputs)
    {
        Format = format;
        _severalInputs = severalInputs;
    }

    /// <summary>-o names a file when there is one input and it is not an existing folder; else a folder (refused if
    /// it is an existing file).</summary>
    public static ResultSink Open(string? output, int inputs, IReadOnlyList<string> files, EstimateFormat format, RunConsole console)
    {
        if (output is null) return new Stream(format, inputs > 1, console.Result, null);
        bool folder = inputs > 1 || Directory.Exists(output) || output.EndsWith(Path.DirectorySeparatorChar);
        if (!folder) return new Stream(format, false, null, Create(output, console));
        if (File.Exists(output))
            throw new UsageException($"--output {output}: is a file, but {inputs} inputs need a folder (one result file each)");
        return new PerInput(format, PerInputPaths.Map(files, output, format.Suffix), console);
    }

    public void Write(EstimateRow row)
    {
        if (row.Error is not null) Failed(row);
        if (row.Error is not null && !Format.CarriesErrors) return;
        if (Format.Render(row, _severalInputs) is { } text) Write(row, text);
    }

    protected abstract void Write(EstimateRow row, string text);

    /// <summary>What a failed input leaves behind, besides its error line.</summary>
    protected virtual void Failed(EstimateRow row) { }

    /// <summary>Ends the output (the table's footer).</summary>
    public abstract void Finish();

    public virtual void Dispose() { }

    private static StreamWriter Create(string path, RunConsole console)
    {
        try
        {
            var dir = Path.GetDirectoryName(Path.GetFullPath(path));
            if (dir is not null) Directory.CreateDirectory(dir);
            var writer = new StreamWriter(path, append: false) { AutoFlush = true };
            console.Note($"writing {path}");
            return writer;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EquiTempoException(ErrorReason.InvalidSetting, path, $"cannot be written: {e.Message}");
        }
    }

    /// <summary>All rows in one stream: the header first, the footer at the end.</summary>
    private sealed class Stream : ResultSink
    {
        private readonly Action<string> _line;
        private readonly StreamWriter? _file;
        private bool _started;

        public Stream(EstimateFormat format, bool severalInputs, Action<string>? line, StreamWriter? file) : base(format, severalInputs)
        {
            _file = file;
            _line = line ?? (text => _file!.WriteLine(text));
        }

        private void Start()
        {
            if (_started) return;
            _started = true;
            if (Format.Header is { } header) _line(header);
        }

        protected override void Write(EstimateRow row, string text)
        {
            Start();
            _line(text);
        }

        public override void Finish()
        {
            // A table with no row is no table; the other formats' header still says what the columns would be.
            if (!_started && Format.Footer is not null) return;
            Start();
            if (Format.Footer is { } footer) _line(footer);
        }

        public override void Dispose() => _file?.Dispose();
    }

    /// <summary>A file per input that has a result: header, its row, footer. A failed input gets no file (its error
    /// is on stderr), and its file from an earlier run is removed, so the folder holds only this run's answers.</summary>
    private sealed class PerInput(EstimateFormat format, IReadOnlyDictionary<string, string> paths, RunConsole console) : ResultSink(format, false)
    {
        protected override void Write(EstimateRow row, string text)
        {
            if (row.Error is not null || !paths.TryGetValue(row.File, out var path)) return;
            using (var writer = Create(path, console))
            {
                if (Format.Header is { } header) writer.WriteLine(header);
                writer.WriteLine(text);
                if (Format.Footer is { } footer) writer.WriteLine(footer);
            }
        }

        protected override void Failed(EstimateRow row)
        {
            if (!paths.TryGetValue(row.File, out var path) || !File.Exists(path)) return;
            try
            {
                File.Delete(path);
                console.Note($"removed {path}: an earlier result, and this run failed on {row.File}");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                console.Error($"{path}: an earlier result that this run could not replace: {e.Message}");
            }
        }

        public override void Finish() { }
    }
}
