// workbox generateSW config equivalent to precache.swkit.json: precache only.
// bench/size/run.sh sets GLOB_DIR and SW_DEST.
module.exports = {
  globDirectory: process.env.GLOB_DIR,
  globPatterns: ['**/*'],
  swDest: process.env.SW_DEST,
  maximumFileSizeToCacheInBytes: 2 * 1024 * 1024,
  mode: 'production',
};
