// webpack with workbox-webpack-plugin's GenerateSW, destructured.
const path = require('path');
const { GenerateSW } = require('workbox-webpack-plugin');

module.exports = {
  mode: 'production',
  entry: './src/index.js',
  output: { path: path.resolve(__dirname, 'dist'), filename: '[name].[contenthash].js' },
  plugins: [
    new GenerateSW({
      clientsClaim: true,
      skipWaiting: true,
      exclude: [/\.map$/, /asset-manifest\.json$/],
      maximumFileSizeToCacheInBytes: 5 * 1024 * 1024,
    }),
  ],
};
