// Click-to-load videos: nothing is fetched from YouTube until the reader asks.
// Each placeholder is a plain link to the video; with JavaScript it becomes the
// privacy-enhanced (youtube-nocookie.com) player in place.
(function () {
  "use strict";
  var PLAYER_ORIGIN = "https://www.youtube-nocookie.com";

  function play(link) {
    var src = link.getAttribute("data-embed-src") || "";
    if (src.indexOf(PLAYER_ORIGIN + "/embed/") !== 0) {
      return false;
    }
    var frame = document.createElement("iframe");
    frame.src = src;
    frame.title = link.getAttribute("data-embed-title") || "Video";
    frame.allow = "accelerometer; autoplay; encrypted-media; gyroscope; picture-in-picture; fullscreen";
    frame.allowFullscreen = true;
    frame.referrerPolicy = "strict-origin-when-cross-origin";
    link.replaceWith(frame);
    frame.focus();
    return true;
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.video-placeholder");
    if (link && play(link)) {
      event.preventDefault();
    }
  });
})();
