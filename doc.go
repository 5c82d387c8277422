// Package swkit makes a Go web site work offline: it serves the files of an
// fs.FS, such as an embed.FS, together with a service worker generated from
// those same files at start-up.
//
//	//go:embed site
//	var site embed.FS
//
//	sub, _ := fs.Sub(site, "site")
//	h, err := swkit.New(sub, swkit.Options{})
//	...
//	log.Fatal(http.ListenAndServe("127.0.0.1:8080", h))
//
// The handler serves three kinds of response: the files of the file system,
// with the caching headers, ETags and types a service worker relies on; the
// worker itself (/sw.js), which precaches those files so that the site opens
// without a network; and the page helper (/swkit.js), an ES module that pages
// import to register the worker and hear about updates:
//
//	<script type="module">
//	  import { register } from '/swkit.js';
//	  register('/sw.js');
//	</script>
//
// It serves files and nothing else: no API, no templates, no directory
// listings. Put your own routes beside it on an http.ServeMux ("/api/" for
// them, "/" for swkit), or mount it under a prefix with http.StripPrefix.
// Requests the worker does not precache reach the server as usual; the
// RuntimeCaching option decides whether and how the worker caches them.
//
// Options take the names of swkit.json, which in turn takes Workbox's, and
// [LoadConfig] reads that file, so a site built with `swkit build` and one
// served by this package can share one configuration.
package swkit
