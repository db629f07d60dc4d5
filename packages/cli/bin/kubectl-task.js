#!/usr/bin/env node
// `kubectl task ...`: the `kubectl roundhouse task` commands under mini-task's name.
import { launch } from './launch.js';

await launch('task-main');
