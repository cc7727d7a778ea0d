// Runs interactive.js, which the learner handout carries gzipped in base64 (PACKED) to stay
// small. A browser without DecompressionStream keeps the page as printed.
if (self.DecompressionStream) {
new Response(new Blob([Uint8Array.from(atob(PACKED), c => c.charCodeAt(0))]).stream().pipeThrough(new DecompressionStream("gzip"))).text().then(code => {
const script = document.createElement("script");
script.textContent = code;
document.body.append(script);
});
}
