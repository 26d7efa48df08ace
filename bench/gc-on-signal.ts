/**
 * Preloaded (`-r`) into the bench's RSS server only, started with --expose-gc: SIGUSR2 runs a full GC,
 * so RSS is compared after collection rather than wherever the collector happens to be, and prints
 * where the memory is (V8 heap, external, array buffers) on stderr for the bench's raw results.
 */
const collect = (globalThis as { gc?: () => void }).gc;
if (collect) {
  process.on('SIGUSR2', () => {
    collect();
    process.stderr.write(`[gc] ${JSON.stringify(process.memoryUsage())}\n`);
  });
}
