// The apology letter's print button (the page itself is rendered by the server).
document.getElementById("print").addEventListener("click", () => window.print());
