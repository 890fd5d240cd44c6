// The notes page: plain Electron renderer code, running against the Electrode shim.
const { ipcRenderer } = require('electron');

const list = document.getElementById('notes');
const stats = document.getElementById('stats');
const input = document.getElementById('note-text');

function showNote(note) {
  let li = document.getElementById('note-' + note.id);
  if (!li) {
    li = document.createElement('li');
    li.id = 'note-' + note.id;
    list.appendChild(li);
  }
  li.textContent = note.text + ' ';
  const count = document.createElement('span');
  count.className = 'count';
  if (note.words === null) {
    count.textContent = '(indexing…)';
    delete li.dataset.words;
  } else {
    count.textContent = '(' + note.words + (note.words === 1 ? ' word)' : ' words)');
    li.dataset.words = String(note.words);
  }
  li.appendChild(count);
}

function showStats(s) {
  if (!s.notes) return;
  const top = s.top.map(([word, n]) => word + ' ×' + n).join(', ');
  stats.textContent = s.notes + ' notes, ' + s.words + ' words; most used: ' + top;
}

// Synchronous on purpose: the list is complete before the page shows anything.
const state = ipcRenderer.sendSync('notes:list');
state.notes.forEach(showNote);
showStats(state.stats);

ipcRenderer.on('notes:added', (event, note) => showNote(note));
ipcRenderer.on('notes:indexed', (event, note, s) => {
  showNote(note);
  showStats(s);
});

document.getElementById('add-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const text = input.value.trim();
  if (text) ipcRenderer.send('notes:add', text);
  input.value = '';
});
