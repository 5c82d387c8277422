// workbox-cli wizard output for a create-react-app build.
module.exports = {
	globDirectory: 'build/',
	globPatterns: ['**/*.{json,ico,html,png,js,txt,css}'],
	swDest: 'build/sw.js',
	ignoreURLParametersMatching: [/^utm_/, /^fbclid$/],
	mode: 'production',
	sourcemap: false,
	globStrict: true,
};
