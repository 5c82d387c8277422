window.analytics = [];
