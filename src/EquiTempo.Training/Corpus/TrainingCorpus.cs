namespace EquiTempo.Training.Corpus;

/// <summary>The unlabelled corpus of a self-supervised run, scanned and split (either model family).</summary>
internal sealed record TrainingCorpus(IReadOnlyList<CorpusFile> Train, IReadOnlyList<CorpusFile> Validation, IReadOnlyList<string> Skipped, PcmCache? Cache)
{
    /// <summary>Opens the decode cache, scans <paramref name="audioInputs"/> (logging progress and skipped files) and
    /// splits the files by <see cref="TrainingConfig.ValidationFraction"/>; no usable file is an error.</summary>
    public static TrainingCorpus Prepare(TrainingConfig cfg, IEnumerable<string> audioInputs, int sampleRate, Action<string> log)
    {
        var cache = cfg.DecodeCacheDirectory == "" ? null : new PcmCache(cfg.DecodeCacheDirectory ?? PcmCache.DefaultDirectory, sampleRate);
        if (cache is not null) log($"decoding the corpus into {cache.Directory} (once; later runs reuse it)");
        int scanned = 0;
        var (files, skipped) = AudioCorpus.Scan(audioInputs, cfg.MinFileSeconds, cache, (_, total) =>
        {
            int k = Interlocked.Increment(ref scanned);
            if (k % 50 == 0 || k == total) log($"  {k}/{total} files ready");
        });
        foreach (var s in skipped) log($"skipped {s}");
        if (files.Count == 0)
            throw new EquiTempoException(ErrorReason.InvalidData, null, $"no usable audio files: all {skipped.Count} were skipped (first: {skipped[0]})");
        var (train, val) = AudioCorpus.Split(files, cfg.ValidationFraction, cfg.Seed);
        return new TrainingCorpus(train, val, skipped, cache);
    }
}
