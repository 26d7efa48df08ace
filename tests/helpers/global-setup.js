// Tests that spawn real authql processes run the compiled server: build it once, before any worker starts.
module.exports = async () => {
  require('../../scripts/build-if-needed').ensureBuilt();
};
