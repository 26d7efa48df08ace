module.exports = async () => {
  await globalThis.authqlTemplate?.drop();
};
